import { zodResponseFormat } from 'openai/helpers/zod';
import * as z from 'zod';
import { SUBTYPES, type Subtype } from '../taxonomy.ts';

/**
 * The judge's answer. One zod schema gives both the JSON schema sent as `response_format` and the
 * validator of what comes back (servers in JSON mode, or without strict decoding, may answer
 * anything). Every field is required and nothing is optional so the schema stays valid for OpenAI's
 * strict mode; length limits that strict mode cannot express are enforced after parsing.
 */
export const JudgeFindingSchema = z.strictObject({
  subtype: z.enum(SUBTYPES as [Subtype, ...Subtype[]]),
  evidenceStepIndexes: z
    .array(z.int().min(0))
    .describe('Indexes of the steps that show the misbehavior, taken from the data block.'),
  confidence: z.number().min(0).max(1),
  guidance: z
    .string()
    .describe('A short system reminder to the agent (at most 600 characters): name the steps, what went wrong, what to do instead.'),
});

export const FlagDecisionSchema = z.strictObject({
  id: z.string().describe('The id of a flagged match, e.g. F1.'),
  verdict: z.enum(['confirmed', 'rejected']),
  confidence: z.number().min(0).max(1),
  guidance: z.string().describe('For a confirmed match, a short system reminder (at most 600 characters); otherwise empty.'),
});

export const JudgeAnswerSchema = z.strictObject({
  findings: z.array(JudgeFindingSchema),
  flagged: z.array(FlagDecisionSchema),
});
export type JudgeAnswer = z.infer<typeof JudgeAnswerSchema>;

export const RESPONSE_FORMAT_NAME = 'wink_judge_review';

/** `response_format` for servers with structured outputs. */
export function structuredResponseFormat() {
  const { type, json_schema } = zodResponseFormat(JudgeAnswerSchema, RESPONSE_FORMAT_NAME);
  // Copy only the wire fields: the helper also attaches a parser we do not use.
  return { type, json_schema };
}

/** The same schema as text, for servers in JSON mode, which see it only in the prompt. */
export function answerSchemaText(): string {
  return JSON.stringify(structuredResponseFormat().json_schema.schema);
}

/** Parses a model's text answer. Tolerates a Markdown code fence some servers wrap JSON mode in. */
export function parseAnswer(text: string): { ok: true; answer: JudgeAnswer } | { ok: false; reason: string } {
  const unfenced = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch {
    return { ok: false, reason: 'answer is not JSON' };
  }
  const parsed = JudgeAnswerSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `answer does not match the schema${issue ? ` at ${issue.path.join('.') || '(root)'}: ${issue.message}` : ''}` };
  }
  return { ok: true, answer: parsed.data };
}
