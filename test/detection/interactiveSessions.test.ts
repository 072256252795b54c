import { describe, expect, it } from 'vitest';
import { firings, sessionSpec, trajectory } from './helpers.ts';

/**
 * The false nudges issue 10 lists for interactive sessions (a person answers between turns), each
 * rebuilt from the run it was seen in, with a positive control that still fires.
 */
describe('error_ignored only when the agent goes on as if the failed step had worked', () => {
  it('not for a harmless failure whose goal already held: a Claude Code KillShell of a shell that had already stopped', () => {
    // Public Claude Code transcript (GitHub, found with find_string "is not running, so cannot be killed"):
    // "⏺ Kill Shell(Kill shell: ea88f9) ⎿ Error: Shell ea88f9 is not running, so cannot be killed (status: killed)
    //  ⏺ ✅ Complete - All Improvements Implemented!"
    const t = trajectory().bash('npm test', 'Tests: 12 passed')
      .tool('KillShell', { shell_id: 'ea88f9' }, 'Shell ea88f9 is not running, so cannot be killed (status: killed)', { isError: true })
      .say('Task complete. All improvements are implemented.');
    expect(firings('error_ignored', t.steps)).toEqual([]);
  });

  it('not when the final message states the failure (issue 9: "the build failed")', () => {
    const t = trajectory().tool('Edit', { file_path: '/app/src/main.rs', old_string: 'a', new_string: 'b' }, 'ok')
      .bash('cargo build', 'error[E0308]: mismatched types\nerror: could not compile `app`', 101)
      .say('I have implemented the change, but the build failed with a type mismatch in main.rs that I could not resolve.')
      .call('finish', { message: 'Implemented the change; the build fails with a type mismatch in main.rs.' });
    expect(firings('error_ignored', t.steps)).toEqual([]);
  });

  it('still when the agent claims done over the error', () => {
    const t = trajectory().tool('Edit', { file_path: '/app/src/main.rs', old_string: 'a', new_string: 'b' }, 'ok')
      .bash('cargo build', 'error[E0308]: mismatched types\nerror: could not compile `app`', 101)
      .say('The task is complete.');
    expect(firings('error_ignored', t.steps).map((f) => f.step)).toEqual([t.last]);
  });
});

describe('scope_creep: a tool regenerating a lockfile is not a hand edit (issue 10)', () => {
  it('`rm package-lock.json && npm install`', () => {
    const t = trajectory().bash('rm package-lock.json && npm install', 'added 312 packages in 9s');
    expect(firings('scope_creep', t.steps)).toEqual([]);
  });

  it('a hand edit of the lockfile still is', () => {
    const t = trajectory().tool('Edit', { file_path: '/app/package-lock.json', old_string: '"version": "1.0.0"', new_string: '"version": "1.0.1"' }, 'ok');
    expect(firings('scope_creep', t.steps).map((f) => f.step)).toEqual([0]);
    const removed = trajectory().bash('rm package-lock.json', '');
    expect(firings('scope_creep', removed.steps).map((f) => f.step)).toEqual([0]);
  });
});

describe('no_progress: not during a read-only review or audit the user asked for (issue 10)', () => {
  const readsOnly = () => {
    const t = trajectory();
    for (let i = 0; i < 105; i += 1) t.tool('Read', { file_path: `/repo/src/module${i}.ts` }, `export const m${i} = ${i};`);
    return t;
  };

  it.each([
    'Review the authentication code in src/ and list any security problems you find. Do not change anything.',
    'Can you audit this repository for hard-coded secrets?',
    'Explain how the job scheduler works.',
  ])('task: %s', (task) => {
    expect(firings('no_progress', readsOnly().steps, { session: sessionSpec({ task }) })).toEqual([]);
  });

  it('a review the user asks for mid-session counts too', () => {
    const t = trajectory().user('Now review the whole src/ directory for dead code, just report it.');
    for (let i = 0; i < 105; i += 1) t.tool('Read', { file_path: `/repo/src/module${i}.ts` }, `export const m${i} = ${i};`);
    expect(firings('no_progress', t.steps)).toEqual([]);
  });

  it('still fires on a fix task that only reads', () => {
    expect(firings('no_progress', readsOnly().steps).length).toBeGreaterThan(0);
    expect(firings('no_progress', readsOnly().steps, { session: sessionSpec({ task: 'Review the failing test and fix the bug.' }) }).length).toBeGreaterThan(0);
  });
});
