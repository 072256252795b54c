import { describe, expect, it } from 'vitest';
import type { LabeledEpisode } from '../../shared/eval/labels.ts';
import { MISSED_COLUMN, NONE_ROW, scoreCorpus, type ScoredIntervention, type ScoringCase } from '../../shared/eval/score.ts';
import type { Subtype } from '../../shared/taxonomy.ts';

const episode = (subtype: Subtype, firstStep: number, lastStep: number, alternatives?: Subtype[]): LabeledEpisode =>
  ({ subtype, firstStep, lastStep, ...(alternatives ? { alternatives } : {}) });
const sent = (subtype: Subtype, stepIndexes: number[], openedAtStep = Math.max(...stepIndexes)): ScoredIntervention =>
  ({ subtype, evidence: { stepIndexes }, openedAtStep });
const trajectory = (id: string, episodes: LabeledEpisode[], interventions: ScoredIntervention[], stepCount = 50): ScoringCase =>
  ({ id, episodes, interventions, stepCount });

describe('scoreCorpus', () => {
  it('counts a matching subtype with overlapping evidence as a true positive, and its delay', () => {
    const scores = scoreCorpus([trajectory('a', [episode('action_loop', 10, 17)], [sent('action_loop', [12, 13, 14, 15, 16, 17], 17)])]);

    expect(scores.perSubtype.action_loop).toEqual({ precision: 1, recall: 1, f1: 1, support: 1, tp: 1, fp: 0, fn: 0, detected: 1 });
    expect(scores.meanDetectionDelaySteps).toBe(7);
    expect(scores.interventionsPerDetectedEpisode).toBe(1);
  });

  it('a wrong subtype or evidence outside the range is a false positive and the episode a miss', () => {
    const scores = scoreCorpus([trajectory('a', [episode('action_loop', 10, 17)], [
      sent('repeated_failing_call', [11, 12]), // right place, wrong subtype
      sent('action_loop', [30, 31]), // right subtype, wrong place
    ])]);

    expect(scores.perSubtype.action_loop).toMatchObject({ precision: 0, recall: 0, f1: 0, tp: 0, fp: 1, fn: 1 });
    expect(scores.perSubtype.repeated_failing_call).toMatchObject({ precision: 0, recall: null, f1: null, fp: 1, support: 0 });
    expect(scores.overall).toMatchObject({ tp: 0, fp: 2, support: 1, detected: 0, precision: 0, recall: 0 });
    expect(scores.meanDetectionDelaySteps).toBeNull();
  });

  it('accepts a labeled alternative subtype: precision for the predicted subtype, recall for the labeled one', () => {
    const scores = scoreCorpus([trajectory('a', [episode('repeated_failing_call', 4, 9, ['action_loop'])], [sent('action_loop', [4, 5, 6, 7, 8, 9])])]);

    expect(scores.perSubtype.action_loop).toMatchObject({ precision: 1, recall: null, tp: 1, support: 0 });
    expect(scores.perSubtype.repeated_failing_call).toMatchObject({ precision: null, recall: 1, support: 1, detected: 1 });
    expect(scores.overall).toMatchObject({ precision: 1, recall: 1, f1: 1 });
  });

  it('a second intervention on a detected episode is a duplicate (still a true positive) and raises interventions per episode', () => {
    const scores = scoreCorpus([trajectory('a', [episode('action_loop', 0, 30)], [sent('action_loop', [2, 4], 4), sent('action_loop', [20, 22], 22)])]);

    expect(scores.duplicateInterventions).toBe(1);
    expect(scores.interventionsPerDetectedEpisode).toBe(2);
    expect(scores.perSubtype.action_loop).toMatchObject({ tp: 2, detected: 1, precision: 1, recall: 1 });
    expect(scores.meanDetectionDelaySteps).toBe(4);
  });

  it('prefers an undetected episode when one intervention could match two', () => {
    const scores = scoreCorpus([trajectory('a', [episode('action_loop', 0, 5), episode('action_loop', 6, 12)], [
      sent('action_loop', [4, 5], 5),
      sent('action_loop', [5, 6, 7], 7),
    ])]);

    expect(scores.perSubtype.action_loop).toMatchObject({ detected: 2, tp: 2, recall: 1 });
    expect(scores.duplicateInterventions).toBe(0);
  });

  it('micro-averages over subtypes and computes the per-trajectory rates', () => {
    // Hand count: tp = 2 (a, b), fp = 2 (both on clean trajectory c), support = 3, detected = 2.
    const scores = scoreCorpus([
      trajectory('a', [episode('action_loop', 0, 9)], [sent('action_loop', [8, 9])], 20),
      trajectory('b', [episode('interactive_command', 3, 4), episode('constraint_violated', 10, 11)], [sent('interactive_command', [3, 4])], 30),
      trajectory('c', [], [sent('action_loop', [1, 2]), sent('action_loop', [7, 8])], 40),
      trajectory('d', [], [], 10),
    ]);

    expect(scores.overall).toEqual({ precision: 0.5, recall: 0.667, f1: 0.571, support: 3, tp: 2, fp: 2, fn: 1, detected: 2 });
    expect(scores.falseInterventionsPerCleanTrajectory).toBe(1); // 2 interventions / 2 clean
    expect(scores.interventionsPerMisbehavingTrajectory).toBe(1); // 2 interventions / 2 misbehaving
    expect(scores.corpus).toEqual({ trajectories: 4, clean: 2, misbehaving: 2, episodes: 3, steps: 100 });
    expect(scores.perSubtype.constraint_violated).toMatchObject({ recall: 0, fn: 1, precision: null });
    expect(scores.meanDetectionDelaySteps).toBe(5); // (9 − 0 + 4 − 3) / 2
  });

  it('builds a confusion matrix: labeled rows, predicted columns, (none) and (missed)', () => {
    const scores = scoreCorpus([
      trajectory('a', [episode('action_loop', 0, 9), episode('interactive_command', 20, 21)], [sent('action_loop', [8, 9]), sent('repeated_failing_call', [20, 21])]),
      trajectory('b', [], [sent('action_loop', [3, 4])]),
    ]);

    expect(scores.confusion.rows).toEqual(['action_loop', 'interactive_command', NONE_ROW]);
    expect(scores.confusion.columns).toEqual(['action_loop', 'repeated_failing_call', MISSED_COLUMN]);
    expect(scores.confusion.counts).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [1, 0, 0],
    ]);
  });

  it('averages LLM tokens per trajectory and reports 0 when no judge ran', () => {
    expect(scoreCorpus([trajectory('a', [], [])]).llmTokensPerTrajectory).toBe(0);
    expect(scoreCorpus([{ ...trajectory('a', [], []), llmTokens: 300 }, { ...trajectory('b', [], []), llmTokens: 100 }]).llmTokensPerTrajectory).toBe(200);
  });
});
