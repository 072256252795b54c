import { commandsOfLine, shellLineOf } from '../calls.ts';
import { forbiddenPathMatch } from '../paths.ts';
import { forbiddenCommandMatch } from '../shell.ts';
import type { Detector, Match } from '../types.ts';
import { currentStep } from './window.ts';

/**
 * specification_drift/constraint_violated: an edit of a path the session's policy forbids
 * (policy.forbiddenPaths, picomatch globs over workspace-relative paths), or a run of a command it
 * forbids (policy.forbiddenCommands, matched per simple command by leading words; see
 * forbiddenCommandMatch). Fires on the call itself: one violation is enough.
 */
export const detectConstraintViolated: Detector = ({ memory, session, step }): Match | null => {
  const current = currentStep(memory);
  if (current?.type !== 'tool_call') return null;
  const forbiddenPaths = session.policy.forbiddenPaths ?? [];
  for (const edit of current.edits ?? []) {
    const pattern = edit.path === undefined ? undefined : forbiddenPathMatch(edit.path, forbiddenPaths);
    if (pattern) {
      return {
        subtype: 'constraint_violated',
        evidence: [current.index],
        facts: { kind: 'path', path: edit.path!, rule: pattern, command: current.display! },
      };
    }
  }
  const forbiddenCommands = session.policy.forbiddenCommands ?? [];
  const line = step && forbiddenCommands.length > 0 ? shellLineOf(step.toolName, step.toolInput ?? step.content) : undefined;
  const pattern = line === undefined ? undefined : forbiddenCommandMatch(line, forbiddenCommands, commandsOfLine(line));
  if (!pattern) return null;
  return {
    subtype: 'constraint_violated',
    evidence: [current.index],
    facts: { kind: 'command', rule: pattern, command: current.display! },
  };
};
