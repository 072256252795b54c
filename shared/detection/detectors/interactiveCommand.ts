import type { Detector } from '../types.ts';
import { currentStep } from './window.ts';

/**
 * tool_call_failure/interactive_command: a command that waits on a terminal an agent does not
 * have — editors, pagers, `tail -f`, `watch`/`top`, bare REPLs, `git commit` without `-m`,
 * `git rebase -i` (see interactiveReason). Fires on the call, before it hangs; repeats a few steps
 * apart join the same episode.
 */
export const detectInteractiveCommand: Detector = ({ memory }) => {
  const current = currentStep(memory);
  if (current?.type !== 'tool_call' || !current.interactive) return null;
  return {
    subtype: 'interactive_command',
    evidence: [current.index],
    facts: { command: current.interactive.command, reason: current.interactive.reason },
  };
};
