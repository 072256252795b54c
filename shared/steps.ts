import * as z from 'zod';
import { isWellFormedText } from './storableJson.ts';
import { ExperimentRequestSchema, SessionModeSchema } from './experiments/session.ts';

/** Limits stated to clients in 413 messages. */
export const MAX_STEPS_PER_REQUEST = 100;
export const MAX_STEP_BYTES = 256 * 1024;
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Detection saves `index + 1` as the next index it expects: that must stay a safe integer. */
export const MAX_STEP_INDEX = Number.MAX_SAFE_INTEGER - 1;
/**
 * How far past the first step detection has not seen yet (the session's `nextIndex`) a step's
 * index may be. A far-off index would open a gap that detection skips after the gap wait, jumping
 * past every step an agent posts afterwards: a way out of monitoring. Wide enough for an agent,
 * or `wink replay`, posting ahead of a detector that lags behind.
 */
export const MAX_STEPS_AHEAD_OF_DETECTION = 10_000;

export const STEP_TYPES = ['user', 'assistant', 'tool_call', 'tool_result', 'system'] as const;

/** One trajectory step as agents send it (the README's API contract). */
export const StepSchema = z.strictObject({
  index: z.int().min(0).max(MAX_STEP_INDEX),
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

/**
 * Session limits, in bytes of UTF-8 where DynamoDB counts bytes (a UTF-16 length would let 32,768
 * emoji through as 65,536 "characters" and 128 KiB). Together they keep the session item, with
 * its bounded detection state, well under DynamoDB's 400 KB item limit.
 */
export const SESSION_LIMITS = {
  agentIdBytes: 256,
  taskBytes: 64 * 1024,
  constraintBytes: 4096,
  constraints: 100,
  constraintsTotalBytes: 32 * 1024,
  globBytes: 1024,
  globsPerList: 200,
  policyTotalBytes: 32 * 1024,
  webhookUrlBytes: 2048,
} as const;

const utf8Bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** A non-empty, well-formed string of at most `maxBytes` bytes of UTF-8. */
function textOfBytes(maxBytes: number) {
  // max(): a string of at most N bytes has at most N UTF-16 units (and the OpenAPI document says so).
  return z.string().min(1).max(maxBytes).superRefine((text, ctx) => {
    const bytes = utf8Bytes(text);
    if (bytes > maxBytes) ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes of UTF-8 (this is ${bytes})` });
    else if (!isWellFormedText(text)) ctx.addIssue({ code: 'custom', message: 'holds a lone UTF-16 surrogate, which has no UTF-8 encoding' });
  });
}

function totalBytesAtMost(maxBytes: number, what: string) {
  return (texts: readonly string[], ctx: z.RefinementCtx) => {
    const bytes = texts.reduce((sum, text) => sum + utf8Bytes(text), 0);
    if (bytes > maxBytes) ctx.addIssue({ code: 'custom', message: `${what} may be at most ${maxBytes} bytes of UTF-8 together (these are ${bytes})` });
  };
}

const globList = z.array(textOfBytes(SESSION_LIMITS.globBytes)).max(SESSION_LIMITS.globsPerList);

export const SessionPolicySchema = z
  .strictObject({ forbiddenPaths: globList.optional(), forbiddenCommands: globList.optional() })
  .superRefine((policy, ctx) =>
    totalBytesAtMost(SESSION_LIMITS.policyTotalBytes, 'forbiddenPaths and forbiddenCommands')(
      [...(policy.forbiddenPaths ?? []), ...(policy.forbiddenCommands ?? [])], ctx));
export type SessionPolicy = z.infer<typeof SessionPolicySchema>;

export const CreateSessionSchema = z.strictObject({
  agentId: textOfBytes(SESSION_LIMITS.agentIdBytes),
  task: textOfBytes(SESSION_LIMITS.taskBytes),
  constraints: z
    .array(textOfBytes(SESSION_LIMITS.constraintBytes))
    .max(SESSION_LIMITS.constraints)
    .superRefine(totalBytesAtMost(SESSION_LIMITS.constraintsTotalBytes, 'constraints'))
    .optional(),
  policy: SessionPolicySchema.optional(),
  webhook: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'webhook.url must be an http(s) URL' })
        .max(SESSION_LIMITS.webhookUrlBytes, `webhook.url may be at most ${SESSION_LIMITS.webhookUrlBytes} characters`),
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
