import { z } from 'zod';
import { ExperimentRequestSchema, SessionModeSchema } from './experiments/session.ts';

/** Limits stated to clients in 413 messages. */
export const MAX_STEPS_PER_REQUEST = 100;
export const MAX_STEP_BYTES = 256 * 1024;
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export const STEP_TYPES = ['user', 'assistant', 'tool_call', 'tool_result', 'system'] as const;

/** One trajectory step as agents send it (the README's API contract). */
export const StepSchema = z.strictObject({
  index: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  type: z.enum(STEP_TYPES),
  content: z.string().optional(),
  toolName: z.string().min(1).max(256).optional(),
  toolInput: z.union([z.record(z.string(), z.unknown()), z.string()]).optional(),
  toolCallId: z.string().min(1).max(256).optional(),
  exitCode: z.int().optional(),
  isError: z.boolean().optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
  tokens: z.strictObject({ input: z.int().min(0), output: z.int().min(0) }).optional(),
});
export type Step = z.infer<typeof StepSchema>;
export type StepType = Step['type'];

export const SessionPolicySchema = z.strictObject({
  forbiddenPaths: z.array(z.string().min(1).max(1024)).max(200).optional(),
  forbiddenCommands: z.array(z.string().min(1).max(1024)).max(200).optional(),
});
export type SessionPolicy = z.infer<typeof SessionPolicySchema>;

export const CreateSessionSchema = z.strictObject({
  agentId: z.string().min(1).max(256),
  task: z.string().min(1).max(64 * 1024),
  constraints: z.array(z.string().min(1).max(4096)).max(100).optional(),
  policy: SessionPolicySchema.optional(),
  webhook: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'webhook.url must be an http(s) URL' }),
    })
    .optional(),
  mode: SessionModeSchema.optional(),
  experiment: ExperimentRequestSchema.optional(),
});
export type CreateSessionRequest = z.infer<typeof CreateSessionSchema>;

/**
 * A stable fingerprint of a step's content: canonical JSON (sorted keys) hashed with SHA-256.
 * Two deliveries of the same step have the same fingerprint whatever their key order.
 */
export { fingerprint as stepFingerprint } from './canonicalJson.ts';
