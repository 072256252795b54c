import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../shared/detection/config.ts';
import { initialDetectionState, observeSteps, type DetectionState } from '../../shared/detection/engine.ts';
import { MAX_MEMORY_BYTES } from '../../shared/detection/memory.ts';
import { grownBytesOf, jsonBytes } from '../../shared/detection/memorySize.ts';
import type { Step } from '../../shared/steps.ts';
import { syntheticSession } from '../../bench/detection.ts';

const session = { sessionId: 'ses_size', task: 'Fix the bug', constraints: [], policy: {} };
const observe = (steps: readonly Step[], state: DetectionState) => observeSteps(session, state, steps, { thresholds: DEFAULT_THRESHOLDS });
const roundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('the memory size bound is kept as entries come and go (issue 14)', () => {
  it('jsonBytes is the UTF-8 length of JSON.stringify for what memory holds', () => {
    const values: unknown[] = [
      'plain', 'quote " and \\ backslash', 'line\nbreak\ttab\u0001', 'é 😀 中文', '', 0, -1, 42, 4_294_967_295, -9_007_199_254_740_991,
      true, false, null, [], {}, [1, 'a', [true]], { a: 1, b: undefined, c: { d: ['x', undefined] } }, { 'kéy"': 'v' },
    ];
    for (const value of values) expect([value, jsonBytes(value)]).toEqual([value, Buffer.byteLength(JSON.stringify(value))]);
  });

  it('the size kept across batches and stored round trips equals a from-scratch measurement', () => {
    const steps = syntheticSession(1_500);
    let state = initialDetectionState();
    for (let i = 0; i < steps.length; i += 7) {
      state = roundTrip(observe(steps.slice(i, i + 7), state).state);
      expect(state.memory.grownBytes).toBe(grownBytesOf(state.memory));
    }
    expect(state.memory.recent.length).toBeGreaterThan(0);
  });

  it('a state saved before the size was kept is measured once and then tracked', () => {
    const steps = syntheticSession(300);
    const { grownBytes: _dropped, ...legacyMemory } = observe(steps.slice(0, 200), initialDetectionState()).state.memory;
    const legacy = roundTrip({ ...observe(steps.slice(0, 200), initialDetectionState()).state, memory: legacyMemory });
    expect((legacy.memory as { grownBytes?: number }).grownBytes).toBeUndefined();
    const next = observe(steps.slice(200), legacy).state;
    expect(next.memory.grownBytes).toBe(grownBytesOf(next.memory));
  });

  it('long created paths fill the bound; what is dropped keeps the kept size exact', () => {
    let state = initialDetectionState();
    for (let batch = 0; batch < 6; batch += 1) {
      const creates: Step[] = Array.from({ length: 20 }, (_, i) => ({
        index: batch * 20 + i, type: 'tool_call', toolName: 'bash',
        toolInput: { command: Array.from({ length: 8 }, (_, p) => `echo x > ${`src/${p}/${batch}-${i}/`.padEnd(2_000, '中')}`).join(' && ') },
      }));
      state = roundTrip(observe(creates, state).state);
      expect(state.memory.grownBytes).toBe(grownBytesOf(state.memory));
      expect(Buffer.byteLength(JSON.stringify(state.memory))).toBeLessThanOrEqual(MAX_MEMORY_BYTES);
    }
    // The bound did drop something: 120 steps of eight ~770-byte paths each do not fit.
    expect(state.memory.recent.length).toBeLessThan(60);
  });
});
