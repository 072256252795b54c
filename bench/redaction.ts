import { performance } from 'node:perf_hooks';
import { DEFAULT_THRESHOLDS } from '../shared/detection/config.ts';
import { initialDetectionState, observeSteps } from '../shared/detection/engine.ts';
import { redactSecrets } from '../shared/detection/redaction.ts';
import { parseSecretPatterns } from '../shared/secrets/customPatterns.ts';
import { builtInScrubber, createSecretScrubber } from '../shared/secrets/scrubber.ts';
import { buildPrompt } from '../shared/judge/prompt.ts';
import type { Step } from '../shared/steps.ts';

/**
 * Secret redaction on the 256 KiB inputs that made the old patterns quadratic (minutes for one
 * step), alone and where it runs: a forbidden-path edit whose guidance quotes the path (the issue's
 * attack), and a judge prompt. Each figure is the fastest of REPEATS runs, in milliseconds.
 */
const KIB = 1024;
const REPEATS = 3;
const WORST_CASES: Record<string, string> = {
  letterRun: 'a'.repeat(256 * KIB),
  jwtStarts: '-eyJ'.repeat(64 * KIB),
  urlSchemeStarts: 'a.'.repeat(128 * KIB),
  credentialKeyRuns: 'password_'.repeat(29 * KIB),
  tokenPrefixes: 'sk-'.repeat(85 * KIB),
};

export interface RedactionBenchResult {
  inputBytes: number;
  redactSecretsMs: Record<string, number>;
  worstCase256KiBMs: number;
  forbiddenPathStep256KiBMs: number;
  judgePrompt256KiBStepMs: number;
  /** Ingest's scrub of one 256 KiB step (content and tool input), on each worst case: the slowest. */
  scrubStepWorstCase256KiBMs: number;
  /** The same with an operator pattern at the edge of what WINK_SECRET_PATTERNS accepts. */
  scrubStepWithCustomPatternWorstCase256KiBMs: number;
}

/** Accepted by the pattern checker (bounded, one level), yet slow on a letter run: the worst a config can do. */
const EDGE_CUSTOM_PATTERNS = JSON.stringify([{ kind: 'edge_token', pattern: '[a-z_]{1,64}_secret_[a-z0-9]{8,64}' }]);

export function runRedactionBench(): RedactionBenchResult {
  const redactSecretsMs = Object.fromEntries(Object.entries(WORST_CASES).map(([name, text]) => [name, fastest(() => redactSecrets(text))]));
  const path = `tests/${'a'.repeat(256 * KIB - 6)}`;
  const edit: Step = { index: 0, type: 'tool_call', toolName: 'str_replace_editor', toolInput: { command: 'create', path, file_text: 'x' } };
  const session = { sessionId: 'bench', task: 'Fix the bug', constraints: [], policy: { forbiddenPaths: ['tests/**'] } };
  let nudged = false;
  const forbiddenPathStep256KiBMs = fastest(() => {
    nudged = observeSteps(session, initialDetectionState(), [edit], { thresholds: DEFAULT_THRESHOLDS }).interventions.length > 0;
  });
  if (!nudged) throw new Error('bench: the forbidden-path edit was not nudged; the measurement would be meaningless');
  const judgePrompt256KiBStepMs = fastest(() => buildPrompt({
    session, steps: [{ index: 0, type: 'tool_result', content: WORST_CASES.jwtStarts! }, edit], flagged: [], mode: 'json_schema',
    nonce: 'bench', windowSteps: 10, maxStepChars: 1200, maxUserChars: 40_000,
  }));
  const withCustom = createSecretScrubber(parseSecretPatterns(EDGE_CUSTOM_PATTERNS));
  const asStep = (text: string): Step => ({ index: 0, type: 'tool_call', toolName: 'bash', toolInput: { command: text.slice(0, 128 * KIB) }, content: text.slice(128 * KIB) });
  const scrubStepWorstCase256KiBMs = Math.max(...Object.values(WORST_CASES).map((text) => fastest(() => builtInScrubber.scrubStep(asStep(text)))));
  const scrubStepWithCustomPatternWorstCase256KiBMs = Math.max(...Object.values(WORST_CASES).map((text) => fastest(() => withCustom.scrubStep(asStep(text)))));
  return {
    inputBytes: 256 * KIB,
    redactSecretsMs,
    worstCase256KiBMs: Math.max(...Object.values(redactSecretsMs)),
    forbiddenPathStep256KiBMs,
    judgePrompt256KiBStepMs,
    scrubStepWorstCase256KiBMs,
    scrubStepWithCustomPatternWorstCase256KiBMs,
  };
}

function fastest(run: () => void): number {
  let best = Infinity;
  for (let i = 0; i < REPEATS; i += 1) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return Math.round(best * 100) / 100;
}
