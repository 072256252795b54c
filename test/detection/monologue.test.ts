import { describe, expect, it } from 'vitest';
import { similarity, sketchOf } from '../../shared/detection/similarity.ts';
import { firings, interventionSubtypes, trajectory } from './helpers.ts';

/** mini-SWE-agent's format-error reply (its default config's format_error_template, MIT), as issue 10 quotes it. */
const FORMAT_ERROR = 'Please always provide EXACTLY ONE action in triple backticks, found 0 actions.\n\nPlease format your action in triple backticks as shown in <response_example>.';

/** Issue 9: the agent resends near-identical, paraphrased answers while the harness rejects them ~10 times. */
const PARAPHRASES = [
  'THOUGHT: The error comes from the parse_args function not handling the empty string case. I will update it to return the default value when the input is empty and then run the tests again.',
  'THOUGHT: The error comes from parse_args not handling the empty string case. I will update the function to return the default value when the input is empty, and then run the tests again.',
  'THOUGHT: The error is from the parse_args function not handling an empty string case. I will update it so it returns the default value when the input is empty and then rerun the tests.',
  'THOUGHT: The error comes from the parse_args function that does not handle the empty string case. I will update it to return the default value when the input is empty and then run the tests again.',
];

describe('monologue: paraphrased repeats', () => {
  it('near-duplicate messages compare close, different ones do not', () => {
    expect(similarity(sketchOf(PARAPHRASES[0]!)!, sketchOf(PARAPHRASES[1]!)!)).toBeGreaterThanOrEqual(0.6);
    expect(similarity(sketchOf(PARAPHRASES[0]!)!, sketchOf('The tests pass now; next I will update the changelog and the documentation of the CLI flags.')!)).toBeLessThan(0.3);
  });

  it('three reworded messages with no action between fire', () => {
    const t = trajectory().say(PARAPHRASES[0]!).say(PARAPHRASES[1]!).say(PARAPHRASES[2]!);
    expect(firings('monologue', t.steps).map((f) => f.step)).toEqual([2]);
  });

  it('a harness rejecting the output is caught within a few rounds, once', () => {
    const t = trajectory();
    for (let round = 0; round < 10; round += 1) t.say(PARAPHRASES[round % PARAPHRASES.length]!).user(FORMAT_ERROR);
    const found = interventionSubtypes(t.steps);
    expect(found).toHaveLength(1);
    const first = Math.min(...[...firings('malformed_call', t.steps), ...firings('monologue', t.steps)].map((f) => f.step));
    expect(first).toBeLessThanOrEqual(5);
  });

  it('the format error counts as a malformed call also when it answers a parsed shell action', () => {
    const t = trajectory().bash('ls', FORMAT_ERROR).bash('ls', FORMAT_ERROR.replace('found 0', 'found 2'));
    expect(firings('malformed_call', t.steps).map((f) => f.step)).toEqual([3]);
  });

  it('a discussion that moves on is not a monologue', () => {
    const t = trajectory().say('The parser fails on empty input because parse_args indexes the first character unconditionally.')
      .say('Two options: guard the index, or normalise the input earlier in read_config so parse_args never sees it.')
      .say('Guarding in parse_args is the smaller change and keeps read_config untouched, so I will do that.');
    expect(firings('monologue', t.steps)).toEqual([]);
  });
});

describe('monologue: code is not repeated sentences (issue 10)', () => {
  const lines = Array.from({ length: 12 }, () => '    assert parse_args("") == DEFAULTS, "empty input must give defaults"').join('\n');

  it('in a fenced block, a ~~~ fence, a heredoc or indented lines', () => {
    for (const message of [
      `Here is the test file:\n\`\`\`python\n${lines}\n\`\`\``,
      `Here is the test file:\n~~~\n${lines}\n~~~`,
      `I will write it with:\ncat > tests/test_args.py <<'EOF'\n${lines}\nEOF\nThen run it.`,
      `The file now reads:\n${lines}`,
    ]) {
      expect(firings('monologue', trajectory().say(message).steps)).toEqual([]);
    }
  });

  it('the same prose sentence twelve times still is a content loop', () => {
    const loop = Array.from({ length: 12 }, () => 'I need to check the configuration file again before continuing.').join(' ');
    expect(firings('monologue', trajectory().say(loop).steps).map((f) => f.step)).toEqual([0]);
  });
});
