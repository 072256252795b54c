import * as z from 'zod';
import type { Intervention } from '../records.ts';
import { ARMS, SessionModeSchema } from '../experiments/session.ts';
import { CATEGORIES, SUBTYPES } from '../taxonomy.ts';

/**
 * The API's answers as zod schemas: one source of truth for the SDK (which parses replies with
 * them) and the OpenAPI document (generated from them). Requests are in shared/steps.ts.
 * Response objects are loose (`z.object`) so that a newer server adding a field does not break
 * an older SDK.
 */

export const CategorySchema = z.enum(CATEGORIES).meta({ description: 'Misbehavior family (docs/taxonomy.md)' });
export const SubtypeSchema = z.enum(SUBTYPES).meta({ description: 'Misbehavior subtype (docs/taxonomy.md)' });

export const InterventionSchema = z
  .object({
    interventionId: z.string().meta({ description: 'Stable id; the same on every webhook retry. Deduplicate on it.' }),
    sessionId: z.string(),
    episodeId: z.string(),
    category: CategorySchema,
    subtype: SubtypeSchema,
    guidance: z.string().meta({ description: 'Text to put into the agent context as a system reminder' }),
    evidence: z.object({ stepIndexes: z.array(z.int().min(0)) }),
    createdAt: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'Intervention', description: 'One piece of guidance, sent once per misbehavior episode' });

// The stored record's public view and the schema must describe the same object.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const interventionMatchesRecord: Same<z.infer<typeof InterventionSchema>, Intervention> = true;
void interventionMatchesRecord;

export const CreatedSessionSchema = z
  .object({
    sessionId: z.string(),
    webhookSecret: z.string().optional().meta({ description: 'Only when a webhook was given; shown only in this answer' }),
    mode: SessionModeSchema.optional().meta({ description: '`shadow`: watched and recorded, never nudged' }),
    experiment: z.object({ name: z.string(), arm: z.enum(ARMS), treatmentShare: z.number().optional() }).optional(),
  })
  .meta({ id: 'CreatedSession' });

export const StepsAcceptedSchema = z
  .object({
    accepted: z.int().min(0).meta({ description: "How many of the request's steps were accepted, duplicates included" }),
    interventions: z.array(InterventionSchema).optional()
      .meta({ description: 'Interventions not yet handed out in an earlier step reply (each appears in one reply)' }),
  })
  .meta({ id: 'StepsAccepted' });

export const RotatedSecretSchema = z
  .object({
    webhookSecret: z.string().meta({ description: 'The new secret (whsec_<base64>), shown only here' }),
    previousSecretValidUntil: z.iso.datetime({ offset: true }).meta({ description: 'Until then deliveries carry a signature with the old secret too' }),
  })
  .meta({ id: 'RotatedSecret' });

/** What a Claude Code hook reads back (https://code.claude.com/docs/en/hooks). */
export const ClaudeCodeHookAnswerSchema = z
  .object({
    hookSpecificOutput: z.object({ hookEventName: z.string(), additionalContext: z.string() }).optional(),
    decision: z.literal('block').optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'ClaudeCodeHookAnswer', description: '`{}` when nothing is pending' });

export const InterventionListSchema = z
  .object({ interventions: z.array(InterventionSchema) })
  .meta({ id: 'InterventionList' });

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Machine-readable, e.g. invalid_step, step_conflict, too_many_steps' }),
      message: z.string().meta({ description: 'Says what is wrong, naming the field and the limit' }),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const DeliveryRecordSchema = z.object({
  status: z.enum(['pending', 'delivered', 'failed', 'not_applicable', 'suppressed']),
  attempts: z.int().min(0),
  lastAttemptAt: z.string().optional(),
  lastResult: z.enum(['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx', 'refused', 'timeout', 'unreachable', 'tls', 'blocked', 'invalid_target'])
    .optional().meta({ description: 'A coarse class of the last attempt, never a status code or socket error' }),
  deliveredAt: z.string().optional(),
  requeuedAt: z.string().optional(),
});

export const SessionSummarySchema = z
  .object({
    sessionId: z.string(),
    agentId: z.string(),
    task: z.string(),
    stepCount: z.int().min(0),
    processedThrough: z.int().meta({ description: 'Highest step index detection has run on (-1 before the first)' }),
    verdicts: z.array(z.object({
      stepIndex: z.int(), category: CategorySchema, subtype: SubtypeSchema, episodeId: z.string(), evidence: z.array(z.int()),
    })),
    episodes: z.array(z.object({
      episodeId: z.string(), sessionId: z.string(), category: CategorySchema, subtype: SubtypeSchema,
      firstStep: z.int(), openedAtStep: z.int(), lastMatchStep: z.int(), evidence: z.array(z.int()),
      status: z.enum(['open', 'closed']), closedAtStep: z.int().optional(), outcome: z.enum(['resolved', 'persisted']).optional(),
    })),
    interventions: z.array(InterventionSchema.extend({
      delivery: DeliveryRecordSchema,
      handedOut: z.object({ reply: z.string().nullable(), webhook: z.string().nullable(), poll: z.string().nullable() })
        .meta({ description: 'When the intervention first went out each way (step reply, webhook, poll), or null' }),
    })),
    resolution: z.object({ closedEpisodes: z.int(), resolved: z.int(), persisted: z.int() }),
    llmTokens: z.int().min(0),
  })
  .meta({ id: 'SessionSummary' });

export type CreatedSessionReply = z.infer<typeof CreatedSessionSchema>;
export type StepsAcceptedReply = z.infer<typeof StepsAcceptedSchema>;
export type InterventionReply = z.infer<typeof InterventionSchema>;
export type SessionSummaryReply = z.infer<typeof SessionSummarySchema>;
