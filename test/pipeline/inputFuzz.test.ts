import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/apiError.ts';
import { canonicalJson } from '../../shared/canonicalJson.ts';
import { createSession } from '../../shared/pipeline/createSession.ts';
import { ingestSteps } from '../../shared/pipeline/ingestSteps.ts';
import type { SessionRecord } from '../../shared/records.ts';
import { stepFingerprint } from '../../shared/steps.ts';
import type { WinkStore } from '../../shared/store/winkStore.ts';
import { freshStore } from '../support/localAws.ts';

/**
 * Fuzzes the validation and ingest path with the classes of input that used to answer 500
 * (issue 8 item 4), against DynamoDB Local: whatever a client sends is either refused with a 4xx
 * that names a field, or stored and read back exactly as sent. Seeded and bounded, so a failure
 * reproduces and `npm test` stays fast.
 */
const SEED = 20261201;

/** JSON text fragments: the number literals, keys and strings that JSON allows and storage did not. */
const numberText = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '1e300', '-1e300', '9007199254740994', '-9007199254740993', '1e-200', '-0', '0', '42', '0.5', '9007199254740991', '1e-130'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);
const keyText = fc.oneof(
  fc.constantFrom('""', '"__proto__"', '"constructor"', '"prototype"', '"a"', '"\\ud800"', '"😀"', `"${'k'.repeat(1100)}"`),
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
);
const stringText = fc.oneof(
  fc.constantFrom('"\\ud800"', '"\\udc00x"', '"😀😀"', '""', '"plain"'),
  fc.string({ maxLength: 16, unit: 'binary' }).map((s) => JSON.stringify(s)),
);
/** Arrays nested `depth` deep around a scalar, or a chain of objects `depth` deep (up to 20,000). */
const deepText = fc.oneof(
  fc.integer({ min: 1, max: 40 }).map((depth) => `${'['.repeat(depth)}1${']'.repeat(depth)}`),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
);
const valueText: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    stringText,
    fc.constantFrom('true', 'null'),
    deepText,
    fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    fc.array(fc.tuple(keyText, tie('value')), { maxLength: 3 }).map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  ),
})).value;
const stepText = fc
  .record({ toolInput: fc.array(fc.tuple(keyText, valueText), { maxLength: 4 }), extraKey: fc.option(keyText, { nil: undefined }) })
  .map(({ toolInput, extraKey }) =>
    `{"index":0,"type":"tool_call","toolName":"t","toolInput":{${toolInput.map(([k, v]) => `${k}:${v}`).join(',')}}${extraKey ? `,${extraKey}:1` : ''}}`);

describe('ingest fuzz (DynamoDB Local)', () => {
  let store: WinkStore;
  const now = Date.parse('2026-12-01T00:00:00Z');
  // The queue is not under test here (its contract is in the queue and end-to-end tests).
  const stepsQueue = { send: async () => undefined };

  beforeAll(async () => {
    ({ store } = await freshStore());
  });

  it('refuses a step with a 400 naming a field, or stores it exactly as sent', async () => {
    const session = await newSession(store, now);
    let index = 0;
    await fc.assert(
      fc.asyncProperty(stepText, async (text) => {
        // Each run its own index: a 409 against an earlier run would hide what storage did.
        const body = { ...(JSON.parse(text) as object), index: (index += 1) };
        try {
          await ingestSteps({ store, stepsQueue, now: () => now }, session, body);
        } catch (error) {
          expect(error, text.slice(0, 200)).toBeInstanceOf(ApiError);
          const apiError = error as ApiError;
          expect([400, 413]).toContain(apiError.statusCode);
          expect(apiError.details?.length ?? 0).toBeGreaterThan(0);
          return;
        }
        const stored = (await store.getSteps(session.sessionId, [index])).get(index);
        // JSON-equal (DynamoDB has one zero; JSON.stringify writes -0 as 0 too).
        expect(canonicalJson(stored?.step)).toBe(canonicalJson(body));
        expect(stored?.fingerprint).toBe(stepFingerprint(body));
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  it('refuses a session with a 400 naming a field, or stores it exactly as sent', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 64, unit: 'grapheme' }),
      fc.tuple(fc.constantFrom('a', '😀', 'é', '\ud800'), fc.integer({ min: 0, max: 40_000 })).map(([unit, n]) => unit.repeat(n)),
    );
    // Items near the per-item limits, so lists of them cross the total limits (and DynamoDB's 400 KB).
    const longItem = fc.tuple(fc.constantFrom('a', '😀', 'é'), fc.integer({ min: 1, max: 4200 })).map(([unit, n]) => unit.repeat(n));
    const list = (maxItems: number) => fc.array(fc.oneof(text, longItem), { maxLength: maxItems, size: 'max' });
    // Lists of items exactly at the old per-item limits: within every old check, past DynamoDB's item size together.
    const fullList = (itemChars: number, maxItems: number) =>
      fc.tuple(fc.constantFrom('a', '😀'), fc.integer({ min: 1, max: maxItems })).map(([unit, n]) =>
        Array.from({ length: n }, (_, i) => `${i}`.padEnd(itemChars / unit.length, unit)));
    const anyList = (itemChars: number, maxItems: number) => fc.oneof(list(maxItems + 20), fullList(itemChars, maxItems));
    const request = fc.record(
      {
        agentId: text, task: fc.oneof(text, fc.integer({ min: 16_000, max: 32_768 }).map((n) => '😀'.repeat(n))), constraints: anyList(4096, 100),
        policy: fc.record({ forbiddenPaths: anyList(1024, 200), forbiddenCommands: anyList(1024, 200) }, { requiredKeys: [] }),
      },
      { requiredKeys: ['agentId', 'task'] },
    );
    await fc.assert(
      fc.asyncProperty(request, async (body) => {
        let created;
        try {
          created = await createSession({ store, now: () => now }, 'owner', body);
        } catch (error) {
          expect(error).toBeInstanceOf(ApiError);
          expect((error as ApiError).statusCode).toBe(400);
          expect((error as ApiError).details?.length ?? 0).toBeGreaterThan(0);
          return;
        }
        const stored = await store.getSession(created.sessionId);
        expect(stored).toMatchObject({ agentId: body.agentId, task: body.task, constraints: body.constraints ?? [], policy: body.policy ?? {} });
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

async function newSession(store: WinkStore, now: number): Promise<SessionRecord> {
  const created = await createSession({ store, now: () => now }, 'owner', { agentId: 'fuzz', task: 'Fix the bug' });
  return (await store.getSession(created.sessionId))!;
}
