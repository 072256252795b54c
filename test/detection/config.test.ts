import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, parseThresholds } from '../../shared/detection/config.ts';

describe('WINK_DETECTION_CONFIG', () => {
  it('defaults follow the anchors when unset', () => {
    expect(parseThresholds(undefined)).toEqual(DEFAULT_THRESHOLDS);
    expect(DEFAULT_THRESHOLDS).toMatchObject({ actionLoopRepeats: 4, repeatedFailingCallRepeats: 3, monologueRepeats: 3, alternatingLoopActions: 6 });
  });

  it('overrides only the fields it names', () => {
    expect(parseThresholds('{"actionLoopRepeats": 6, "episodeGapSteps": 20}')).toEqual({ ...DEFAULT_THRESHOLDS, actionLoopRepeats: 6, episodeGapSteps: 20 });
  });

  it.each([
    ['{not json', /not valid JSON/],
    ['{"actionLoopRepeats": 1}', /actionLoopRepeats/],
    ['{"actionLoopRepeat": 4}', /actionLoopRepeat/],
    ['{"monologueRepeats": "3"}', /monologueRepeats/],
  ])('rejects %s with a message naming the problem', (json, message) => {
    expect(() => parseThresholds(json)).toThrow(message);
  });
});
