import type { TrajectoryDocument } from './document.ts';
import { isRecord } from './steps.ts';

/** One element of a list-shaped trajectory, with where it sits (`$[3]`, `$.messages[3]`, `line 4`). */
export interface LocatedItem {
  value: unknown;
  at: string;
}

/**
 * The elements of a list-shaped trajectory, whether it is a JSON array, a JSON object wrapping the
 * array under one of `keys`, or JSON Lines. Undefined when the document has no such list.
 */
export function listItems(doc: TrajectoryDocument, keys: readonly string[] = []): LocatedItem[] | undefined {
  if (doc.kind === 'jsonl') return doc.lines.map(({ line, value }) => ({ value, at: `line ${line}` }));
  if (Array.isArray(doc.value)) return doc.value.map((value, i) => ({ value, at: `$[${i}]` }));
  if (isRecord(doc.value)) {
    for (const key of keys) {
      const list = doc.value[key];
      if (Array.isArray(list)) return list.map((value, i) => ({ value, at: `$.${key}[${i}]` }));
    }
  }
  return undefined;
}

/** The first few object elements, which is what format detection looks at. */
export function sampleRecords(items: readonly LocatedItem[] | undefined, count = 8): Array<Record<string, unknown>> {
  return (items ?? []).map((item) => item.value).filter(isRecord).slice(0, count);
}
