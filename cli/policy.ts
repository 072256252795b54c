import { readFile } from 'node:fs/promises';
import { SessionPolicySchema, type SessionPolicy } from '../shared/steps.ts';
import { CliError } from './io.ts';

/** Reads `--policy file.json`: `{ "forbiddenPaths"?: [globs], "forbiddenCommands"?: [...] }`, as in POST /v1/sessions. */
export async function readPolicy(path: string | undefined): Promise<SessionPolicy> {
  if (!path) return {};
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`${path}: cannot read the policy file (${(error as Error).message})`, 1, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path}: expected a JSON policy object, found invalid JSON (${(error as Error).message})`, 1, { cause: error });
  }
  const parsed = SessionPolicySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${path}: ${issue?.path.join('.') || 'policy'}: expected { forbiddenPaths?: string[], forbiddenCommands?: string[] } (${issue?.message})`);
  }
  return parsed.data;
}
