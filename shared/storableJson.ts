/**
 * What a client's JSON may hold so that DynamoDB stores it as sent and reading it back gives the
 * same value. JSON allows more than DynamoDB (and the AWS SDK's marshaller) accepts, and every gap
 * used to surface as a 500 on a client's input; checked here instead, each with the limit named.
 */

/** Objects and arrays may nest this deep, the checked value itself counting as level 1 (DynamoDB allows 32 for the whole item). */
export const MAX_NESTING_LEVELS = 20;
/** The marshaller refuses numbers it cannot store exactly; DynamoDB refuses magnitudes below 1e-130. */
export const MAX_NUMBER_MAGNITUDE = Number.MAX_SAFE_INTEGER;
export const MIN_NUMBER_MAGNITUDE = 1e-130;
/** An attribute name (object key) is at most this many bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;
/** Keys that JavaScript objects treat specially: copying a step through an object drops or rewires them. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

export interface JsonProblem {
  path: PropertyKey[];
  message: string;
}

/** A lone UTF-16 surrogate has no UTF-8 encoding: it cannot be stored as sent. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * The first `maxProblems` reasons `value` (as JSON.parse returned it) cannot be stored as sent.
 * Iterative, and it does not descend past the nesting limit: a 20,000-deep value costs no stack.
 */
export function storableJsonProblems(value: unknown, maxProblems = 10): JsonProblem[] {
  const problems: JsonProblem[] = [];
  const pending: Array<{ value: unknown; path: PropertyKey[]; level: number }> = [{ value, path: [], level: 1 }];
  while (pending.length > 0 && problems.length < maxProblems) {
    const { value: current, path, level } = pending.pop()!;
    if (typeof current === 'number') {
      const problem = numberProblem(current);
      if (problem) problems.push({ path, message: problem });
    } else if (typeof current === 'string') {
      if (!isWellFormedText(current)) problems.push({ path, message: 'holds a lone UTF-16 surrogate, which has no UTF-8 encoding' });
    } else if (current !== null && typeof current === 'object') {
      if (level > MAX_NESTING_LEVELS) {
        problems.push({ path, message: `objects and arrays may nest at most ${MAX_NESTING_LEVELS} levels deep` });
        continue;
      }
      const entries: Array<[PropertyKey, unknown]> = Array.isArray(current)
        ? current.map((item, i) => [i, item])
        : Object.keys(current).map((key) => [key, (current as Record<string, unknown>)[key]]);
      for (const [key, item] of entries.reverse()) {
        if (typeof key === 'string') {
          const keyProblem = keyProblemOf(key);
          if (keyProblem) {
            problems.push({ path: key === '' ? path : [...path, key], message: keyProblem });
            continue;
          }
        }
        pending.push({ value: item, path: [...path, key], level: level + 1 });
      }
    }
  }
  return problems.slice(0, maxProblems);
}

function numberProblem(n: number): string | undefined {
  if (!Number.isFinite(n)) return 'must be a finite number';
  const magnitude = Math.abs(n);
  if (magnitude > MAX_NUMBER_MAGNITUDE) return `numbers must be between -${MAX_NUMBER_MAGNITUDE} and ${MAX_NUMBER_MAGNITUDE}; send larger values as strings`;
  if (magnitude !== 0 && magnitude < MIN_NUMBER_MAGNITUDE) return `numbers other than 0 must be at least ${MIN_NUMBER_MAGNITUDE} in magnitude; send smaller values as strings`;
  return undefined;
}

function keyProblemOf(key: string): string | undefined {
  if (key === '') return 'has an empty attribute name; object keys must not be empty';
  if (FORBIDDEN_KEYS.has(key)) return `"${key}" is not allowed as a key`;
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `object keys may be at most ${MAX_KEY_BYTES} bytes of UTF-8`;
  if (!isWellFormedText(key)) return 'key holds a lone UTF-16 surrogate, which has no UTF-8 encoding';
  return undefined;
}
