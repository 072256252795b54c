import { describe, expect, it } from 'vitest';
import { MAX_REPLY_WAIT_MS, boundedIntParam, handOutPending, pollInterventions, waitForDetection, type HandOutDeps } from '../../shared/pipeline/handOut.ts';
import type { InterventionRecord } from '../../shared/records.ts';

/** An in-memory store and a fake clock that advances only when the code under test sleeps. */
function fakeDeps(options: { nextIndexAt?: (nowMs: number) => number; interventions?: InterventionRecord[] } = {}) {
  let now = 0;
  const records = options.interventions ?? [];
  const deps: HandOutDeps & { reads: number } = {
    reads: 0,
    now: () => now,
    sleep: async (ms) => void (now += ms),
    store: {
      listInterventions: async () => records,
      markHandedOut: async (_s, episodeId, at) => {
        const record = records.find((r) => r.episodeId === episodeId)!;
        if (record.handedOutAt) return false;
        record.handedOutAt = at;
        return true;
      },
      markPolled: async (_s, episodeId, at) => {
        const record = records.find((r) => r.episodeId === episodeId)!;
        record.firstPolledAt ??= at;
        return true;
      },
      detectionNextIndex: async () => {
        deps.reads += 1;
        return options.nextIndexAt?.(now) ?? 0;
      },
    },
  };
  return deps;
}

const intervention = (n: number): InterventionRecord => ({
  interventionId: `iv_${n}`, sessionId: 's', episodeId: `ep_${n}`, category: 'tool_call_failure', subtype: 'repeated_failing_call',
  guidance: `g${n}`, evidence: { stepIndexes: [n] }, createdAt: new Date(n * 1000).toISOString(), delivery: { status: 'pending', attempts: 0 },
});

describe('waiting for detection before a reply', () => {
  it('returns as soon as detection has observed the last posted step', async () => {
    const deps = fakeDeps({ nextIndexAt: (now) => (now >= 300 ? 8 : 3) });
    expect(await waitForDetection(deps, 's', 7, 3000)).toBe(true);
    expect(deps.now()).toBe(300);
  });

  it('ends at the wait, capped at 3 s, when detection does not get there', async () => {
    const deps = fakeDeps({ nextIndexAt: () => 3 });
    expect(await waitForDetection(deps, 's', 7, 60_000)).toBe(false);
    expect(deps.now()).toBe(MAX_REPLY_WAIT_MS);
  });
});

describe('handing interventions out', () => {
  it('hands each pending intervention out once, and only pending ones', async () => {
    const deps = fakeDeps({ interventions: [intervention(1), intervention(2)] });
    expect((await handOutPending(deps, 's')).map((i) => i.interventionId)).toEqual(['iv_1', 'iv_2']);
    expect(await handOutPending(deps, 's')).toEqual([]);
  });

  it('returns the public shape, without delivery bookkeeping', async () => {
    const deps = fakeDeps({ interventions: [intervention(1)] });
    const [out] = await handOutPending(deps, 's');
    expect(Object.keys(out!).sort()).toEqual(['category', 'createdAt', 'episodeId', 'evidence', 'guidance', 'interventionId', 'sessionId', 'subtype']);
  });
});

describe('long-polling interventions', () => {
  it('returns those after `after`, waiting up to the given seconds for one to appear', async () => {
    const records = [intervention(1)];
    const deps = fakeDeps({ interventions: records });
    const sleep = deps.sleep!;
    deps.sleep = async (ms) => {
      await sleep(ms);
      if (deps.now() >= 1500 && records.length === 1) records.push(intervention(2)); // detection records one 1.5 s in
    };
    expect((await pollInterventions(deps, 's', { after: 'iv_1', waitSeconds: 20 })).map((i) => i.interventionId)).toEqual(['iv_2']);
    expect(deps.now()).toBe(1500);
    expect(records[1]!.firstPolledAt).toBeDefined();
    expect(records[0]!.firstPolledAt).toBeUndefined();
  });

  it('answers an empty list when the wait ends', async () => {
    const deps = fakeDeps({ interventions: [intervention(1)] });
    expect(await pollInterventions(deps, 's', { after: 'iv_1', waitSeconds: 2 })).toEqual([]);
    expect(deps.now()).toBe(2000);
  });

  it('refuses an unknown after and out-of-range waits, naming the parameter', async () => {
    await expect(pollInterventions(fakeDeps(), 's', { after: 'iv_x' })).rejects.toThrow(/after/);
    expect(() => boundedIntParam('3001', 'wait', 3000, 'milliseconds')).toThrow(/wait: must be an integer from 0 to 3000/);
    expect(() => boundedIntParam('-1', 'wait', 20, 'seconds')).toThrow(/wait/);
    expect(() => boundedIntParam('1.5', 'wait', 20, 'seconds')).toThrow(/wait/);
    expect(boundedIntParam('20', 'wait', 20, 'seconds')).toBe(20);
    expect(boundedIntParam(undefined, 'wait', 20, 'seconds')).toBeUndefined();
  });
});
