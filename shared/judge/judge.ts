import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describeSteps, MAX_GUIDANCE_CHARS } from '../detection/guidance.ts';
import { redactHead } from '../detection/redaction.ts';
import { truncate } from '../detection/normalize.ts';
import type { Match, SessionSpec } from '../detection/types.ts';
import type { Step } from '../steps.ts';
import type { Subtype } from '../taxonomy.ts';
import { NO_API_KEY, type JudgeConfig } from './config.ts';
import { buildPrompt, newNonce, systemPromptFor, type BuiltPrompt, type ResponseMode } from './prompt.ts';
import { parseAnswer, structuredResponseFormat, type JudgeAnswer } from './schema.ts';
import { budgetSpent, type JudgeState } from './state.ts';
import { decideReview, JUDGE_SUBTYPES, type JudgeTrigger, type ReviewContext } from './triggers.ts';

export type JudgeOutcome = 'ok' | 'timeout' | 'refused' | 'invalid' | 'error' | 'skipped';

export interface ReviewRequest {
  session: SessionSpec;
  state: JudgeState;
  trigger: JudgeTrigger;
  /** Recent raw steps, any order; the judge keeps the last windowSteps of them and cuts long contents. */
  steps: readonly Step[];
}

export interface JudgeReview {
  outcome: JudgeOutcome;
  /** Findings for the subtypes rules cannot see, in the detectors' Match shape (facts.source = 'llm_judge'). */
  matches: Match[];
  /** Guidance the judge wrote, redacted and capped, for its findings and confirmed flags. */
  guidanceBySubtype: Partial<Record<Subtype, string>>;
  /** Keys of flagged matches the judge confirmed / rejected (rejections below minConfidence are ignored). */
  confirmed: string[];
  rejected: string[];
  /** Tokens this review spent (already added to state.tokensUsed). */
  tokensUsed: number;
  /** The session's judge state after this review: persist it. */
  state: JudgeState;
  /** HTTP requests this review sent (a JSON-mode fallback makes two; SDK retries not counted). */
  requests: number;
  mode: ResponseMode;
  /** Why the outcome is not 'ok', for logs; never contains trajectory content. */
  detail?: string;
}

export interface Judge {
  readonly config: JudgeConfig;
  /** Pure: see decideReview. */
  shouldReview(state: JudgeState, context: ReviewContext): JudgeTrigger | null;
  /** Never throws: failures come back as an outcome with no matches, and the rules' verdicts stand. */
  review(request: ReviewRequest): Promise<JudgeReview>;
  /** 'json_schema' until a server rejects structured outputs, then 'json_object' for this instance. */
  responseMode(): ResponseMode;
}

export interface JudgeDependencies {
  client?: OpenAI;
  /** The resolved key (see loadJudgeApiKey); defaults to config.apiKey. */
  apiKey?: string;
  nonce?: () => string;
}

/** Token estimates err high (code and JSON run near 3 characters a token) so budgets hold. */
const CHARS_PER_TOKEN = 3;
const estimateTokens = (chars: number) => Math.ceil(chars / CHARS_PER_TOKEN);
/** Below this many characters for the user message a review could not show enough to judge. */
const MIN_USER_CHARS = 1_500;

export function createJudge(config: JudgeConfig, deps: JudgeDependencies = {}): Judge {
  const client =
    deps.client ??
    new OpenAI({
      baseURL: config.baseUrl,
      apiKey: deps.apiKey ?? config.apiKey ?? NO_API_KEY,
      maxRetries: 1,
      timeout: config.timeoutMs,
    });
  const nonce = deps.nonce ?? newNonce;
  let mode: ResponseMode = 'json_schema';

  async function review(request: ReviewRequest): Promise<JudgeReview> {
    const { state, trigger } = request;
    const base = { matches: [], guidanceBySubtype: {}, confirmed: [], rejected: [] };
    if (budgetSpent(state, config)) {
      return { ...base, outcome: 'skipped', tokensUsed: 0, state, requests: 0, mode, detail: 'session judge budget spent' };
    }
    const remaining = config.sessionTokenBudget - state.tokensUsed;
    const maxOutputTokens = Math.min(config.maxOutputTokens, Math.max(1, Math.floor(remaining / 4)));
    const promptTokens = Math.min(config.maxPromptTokens, remaining - maxOutputTokens);
    const build = (m: ResponseMode) =>
      buildPrompt({
        session: request.session,
        steps: request.steps,
        flagged: trigger.flagged,
        mode: m,
        nonce: nonce(),
        windowSteps: config.windowSteps,
        maxStepChars: config.maxStepChars,
        maxUserChars: promptTokens * CHARS_PER_TOKEN - systemPromptFor(m).length,
      });
    if (promptTokens * CHARS_PER_TOKEN - systemPromptFor(mode).length < MIN_USER_CHARS || request.steps.length === 0) {
      return { ...base, outcome: 'skipped', tokensUsed: 0, state, requests: 0, mode, detail: 'too little budget or no steps to review' };
    }

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), config.timeoutMs);
    let requests = 0;
    let tokens = 0;
    let promptChars = 0;
    const finish = (outcome: JudgeOutcome, extra: Partial<JudgeReview> = {}): JudgeReview => {
      const next: JudgeState = {
        tokensUsed: state.tokensUsed + tokens,
        calls: state.calls + (requests > 0 ? 1 : 0),
        lastReviewedStep: Math.max(state.lastReviewedStep, trigger.stepIndex),
      };
      return { ...base, ...extra, outcome, tokensUsed: tokens, state: next, requests, mode };
    };

    try {
      let prompt = build(mode);
      promptChars = prompt.chars;
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        requests += 1;
        completion = await send(prompt, mode, maxOutputTokens, deadline.signal);
      } catch (error) {
        if (mode !== 'json_schema' || !rejectsStructuredOutputs(error)) throw error;
        // Servers without structured outputs answer 400/422 to json_schema: retry once in JSON mode,
        // and keep JSON mode for this instance only once that request goes through.
        prompt = build('json_object');
        promptChars = prompt.chars;
        requests += 1;
        completion = await send(prompt, 'json_object', maxOutputTokens, deadline.signal);
        mode = 'json_object';
      }
      const choice = completion.choices[0];
      const content = choice?.message.content ?? '';
      tokens = completion.usage?.total_tokens ?? estimateTokens(prompt.chars + content.length);
      if (choice?.message.refusal || choice?.finish_reason === 'content_filter') {
        return finish('refused', { detail: 'the model refused to answer' });
      }
      if (!content.trim()) return finish('invalid', { detail: `empty answer (finish_reason ${choice?.finish_reason ?? 'none'})` });
      const parsed = parseAnswer(content);
      if (!parsed.ok) return finish('invalid', { detail: parsed.reason });
      return finish('ok', interpret(parsed.answer, prompt, trigger, config.minConfidence));
    } catch (error) {
      if (deadline.signal.aborted || error instanceof APIConnectionTimeoutError || error instanceof APIUserAbortError) {
        // The server may have worked on the prompt before the deadline: count it against the budget.
        tokens = estimateTokens(promptChars);
        return finish('timeout', { detail: `no answer within ${config.timeoutMs} ms` });
      }
      return finish('error', { detail: describeError(error) });
    } finally {
      clearTimeout(timer);
    }
  }

  function send(prompt: BuiltPrompt, m: ResponseMode, maxOutputTokens: number, signal: AbortSignal) {
    return client.chat.completions.create(
      {
        model: config.model,
        messages: prompt.messages,
        response_format: m === 'json_schema' ? structuredResponseFormat() : { type: 'json_object' },
        max_completion_tokens: maxOutputTokens,
      },
      { signal, timeout: config.timeoutMs, maxRetries: 1 },
    );
  }

  return {
    config,
    shouldReview: (state, context) => decideReview(config, state, context),
    review,
    responseMode: () => mode,
  };
}

function rejectsStructuredOutputs(error: unknown): boolean {
  return error instanceof APIError && (error.status === 400 || error.status === 422);
}

function describeError(error: unknown): string {
  if (error instanceof APIError) return `HTTP ${error.status ?? 'error'} from the LLM server`;
  return error instanceof Error ? `${error.name}: ${truncate(error.message, 200)}` : 'unknown error';
}

type JudgeSubtype = (typeof JUDGE_SUBTYPES)[number];
const isJudgeSubtype = (subtype: Subtype): subtype is JudgeSubtype => (JUDGE_SUBTYPES as readonly Subtype[]).includes(subtype);

/**
 * Guidance for a finding the judge left without any. The detectors' templates quote facts (the
 * path, the failing command) that a judge finding does not carry, so they cannot stand in.
 */
const FALLBACK_GUIDANCE: Record<JudgeSubtype, string> = {
  scope_creep: 'you changed things the task does not ask for. Revert the unrelated changes and keep to what the task is about.',
  claim_contradicts_evidence: 'you claimed something the tool output contradicts. Re-run the check, read its actual output, and fix the failure before claiming success.',
  error_ignored: 'you went on as if a failed tool call had succeeded. Read that error and deal with it before you continue.',
};

/** Turns a validated answer into matches and flag decisions, grounded in the steps actually sent. */
function interpret(
  answer: JudgeAnswer,
  prompt: BuiltPrompt,
  trigger: JudgeTrigger,
  minConfidence: number,
): Pick<JudgeReview, 'matches' | 'guidanceBySubtype' | 'confirmed' | 'rejected'> {
  const shown = new Set(prompt.stepIndexes);
  const best = new Map<JudgeSubtype, { evidence: number[]; confidence: number; guidance: string }>();
  for (const finding of answer.findings) {
    // Rules own the other subtypes; a finding must point at steps the judge was shown.
    const { subtype } = finding;
    if (!isJudgeSubtype(subtype) || finding.confidence < minConfidence) continue;
    const evidence = [...new Set(finding.evidenceStepIndexes.filter((i) => shown.has(i)))].sort((a, b) => a - b);
    if (evidence.length === 0) continue;
    const current = best.get(subtype);
    if (!current || finding.confidence > current.confidence) {
      const guidance = cleanGuidance(finding.guidance) ?? `[Wink] At steps ${describeSteps(evidence)} ${FALLBACK_GUIDANCE[subtype]}`;
      best.set(subtype, { evidence, confidence: finding.confidence, guidance });
    }
  }

  const guidanceBySubtype: Partial<Record<Subtype, string>> = {};
  const matches: Match[] = [...best].map(([subtype, finding]) => {
    guidanceBySubtype[subtype] = finding.guidance;
    const facts: Match['facts'] = { source: 'llm_judge', confidence: finding.confidence, summary: subtype.replaceAll('_', ' '), guidance: finding.guidance };
    return { subtype, evidence: finding.evidence, facts };
  });

  const flaggedByKey = new Map(trigger.flagged.map((flag) => [flag.key, flag]));
  const confirmed = new Set<string>();
  const rejected = new Set<string>();
  for (const decision of answer.flagged) {
    const key = prompt.flaggedKeys.get(decision.id.trim());
    const flag = key === undefined ? undefined : flaggedByKey.get(key);
    if (!key || !flag || confirmed.has(key) || rejected.has(key)) continue;
    if (decision.verdict === 'confirmed') {
      confirmed.add(key);
      const guidance = cleanGuidance(decision.guidance);
      if (guidance && !guidanceBySubtype[flag.match.subtype]) guidanceBySubtype[flag.match.subtype] = guidance;
    } else if (decision.confidence >= minConfidence) {
      rejected.add(key);
    }
  }
  return { matches, guidanceBySubtype, confirmed: [...confirmed], rejected: [...rejected] };
}

/** Judge guidance goes to the agent: one line, no secrets, at most MAX_GUIDANCE_CHARS. */
export function cleanGuidance(text: string): string | undefined {
  const flat = redactHead(text, 4 * MAX_GUIDANCE_CHARS).replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (!flat) return undefined;
  return truncate(flat.startsWith('[Wink]') ? flat : `[Wink] ${flat}`, MAX_GUIDANCE_CHARS);
}
