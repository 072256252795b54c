import { describe, expect, it } from 'vitest';
import { assignArm, assignmentPoint, resolveSessionMode } from '../../shared/experiments/assignment.ts';

const ids = Array.from({ length: 10_000 }, (_, i) => ({ agentId: `agent-${i % 7}`, sessionId: `ses_${i.toString(16).padStart(24, '0')}` }));

describe('experiment assignment', () => {
  it('is stable: the same (experiment, agent, session) always gets the same arm', () => {
    for (const { agentId, sessionId } of ids.slice(0, 200)) {
      expect(assignArm('nudges-v1', 0.5, agentId, sessionId)).toBe(assignArm('nudges-v1', 0.5, agentId, sessionId));
    }
    // Pinned to SHA-256 computed independently (Python hashlib, first 48 bits): a change of hash would reshuffle running experiments.
    expect(assignmentPoint('nudges-v1', 'agent-0', 'ses_000000000000000000000000')).toMatchInlineSnapshot(`0.7081349635103535`);
  });

  it.each([0.5, 0.1, 0.9])('puts close to treatmentShare=%s of 10,000 sessions in treatment', (share) => {
    const treated = ids.filter(({ agentId, sessionId }) => assignArm('nudges-v1', share, agentId, sessionId) === 'treatment').length;
    // Binomial standard deviation is at most 50 here; 4 sd is a bound a fair hash never crosses by chance.
    expect(Math.abs(treated - share * ids.length)).toBeLessThan(4 * Math.sqrt(ids.length * share * (1 - share)));
  });

  it('is independent of arrival order', () => {
    const arms = (order: typeof ids) => new Map(order.map(({ agentId, sessionId }) => [sessionId, assignArm('e', 0.5, agentId, sessionId)]));
    const forward = arms(ids);
    const shuffled = arms([...ids].reverse().sort((a, b) => (a.sessionId.charCodeAt(10) % 3) - (b.sessionId.charCodeAt(10) % 3)));
    expect(shuffled).toEqual(forward);
  });

  it('reshuffles for another experiment name, and keeps shares 0 and 1 absolute', () => {
    const differs = ids.slice(0, 1000).filter(({ agentId, sessionId }) => assignArm('a', 0.5, agentId, sessionId) !== assignArm('b', 0.5, agentId, sessionId)).length;
    expect(differs).toBeGreaterThan(400);
    expect(differs).toBeLessThan(600);
    expect(ids.slice(0, 1000).every(({ agentId, sessionId }) => assignArm('a', 0, agentId, sessionId) === 'control')).toBe(true);
    expect(ids.slice(0, 1000).every(({ agentId, sessionId }) => assignArm('a', 1, agentId, sessionId) === 'treatment')).toBe(true);
  });

  it('maps treatment to active and control to shadow; a stated arm wins over the draw', () => {
    const session = { agentId: 'a', sessionId: 's' };
    expect(resolveSessionMode({ ...session, experiment: { name: 'e', arm: 'treatment', treatmentShare: 0 } }, {}))
      .toEqual({ mode: 'active', experiment: { name: 'e', arm: 'treatment' } });
    expect(resolveSessionMode({ ...session, experiment: { name: 'e', treatmentShare: 0 } }, {}))
      .toEqual({ mode: 'shadow', experiment: { name: 'e', arm: 'control', treatmentShare: 0 } });
    expect(resolveSessionMode(session, { mode: 'shadow' })).toEqual({ mode: 'shadow' });
    expect(resolveSessionMode(session, {})).toEqual({ mode: 'active' });
  });
});
