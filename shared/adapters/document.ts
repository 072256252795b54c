import { parsesAsJson } from '../canonicalJson.ts';
import { TrajectoryFormatError } from './types.ts';

/**
 * A trajectory file's text parsed once: a single JSON value, or JSON Lines (one value per
 * non-blank line, with its 1-based line number kept for error messages).
 */
export type TrajectoryDocument =
  | { kind: 'json'; value: unknown }
  | { kind: 'jsonl'; lines: Array<{ line: number; value: unknown }> };

export function parseDocument(text: string, source: string): TrajectoryDocument {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new TrajectoryFormatError(source, 'line 1', 'a JSON or JSON Lines trajectory', 'an empty file');
  try {
    return { kind: 'json', value: JSON.parse(trimmed) };
  } catch (error) {
    const lines = trimmed.split('\n');
    // JSON Lines only when the first line is a whole JSON value; otherwise a broken JSON document.
    if (lines.length < 2 || !parsesAsJson(lines[0] ?? '')) throw jsonError(source, trimmed, error);
    return { kind: 'jsonl', lines: parseJsonLines(lines, source) };
  }
}

function parseJsonLines(lines: string[], source: string): Array<{ line: number; value: unknown }> {
  const parsed: Array<{ line: number; value: unknown }> = [];
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    try {
      parsed.push({ line: i + 1, value: JSON.parse(text) });
    } catch (error) {
      throw new TrajectoryFormatError(source, `line ${i + 1}`, 'one JSON value per line', describeJsonError(error), { cause: error });
    }
  });
  return parsed;
}

/** Turns JSON.parse's "at position N" into a line and column a person can jump to. */
function jsonError(source: string, text: string, error: unknown): TrajectoryFormatError {
  const message = describeJsonError(error);
  const stated = /position (\d+)/.exec(message)?.[1];
  const position = stated === undefined ? errorOffset(text) : Number(stated);
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  const snippet = message.replace(/, (?:\.\.\.)?".*" is not valid JSON$/s, '');
  return new TrajectoryFormatError(source, `line ${line}, column ${column}`, 'valid JSON', snippet, { cause: error });
}

/**
 * Where JSON text first goes wrong, for engines whose messages omit the position: the shortest
 * prefix that fails for a reason other than ending early. Binary search, so about log2(n) parses.
 */
function errorOffset(text: string): number {
  const failsBeforeEnd = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (error) {
      return !/end of JSON input|Unterminated string/i.test(describeJsonError(error));
    }
  };
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (failsBeforeEnd(middle)) high = middle;
    else low = middle + 1;
  }
  return Math.max(0, low - 1);
}


function describeJsonError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
