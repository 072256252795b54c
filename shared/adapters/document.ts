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
    // One line that is not JSON, or a file that does not start like JSON: a broken JSON document.
    if (lines.length < 2 || !/^\s*[{[]/.test(lines[0] ?? '')) throw jsonError(source, trimmed, error);
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
  const position = /position (\d+)/.exec(message)?.[1];
  let location = 'line 1';
  if (position !== undefined) {
    const before = text.slice(0, Number(position));
    const line = before.split('\n').length;
    const column = Number(position) - before.lastIndexOf('\n');
    location = `line ${line}, column ${column}`;
  }
  return new TrajectoryFormatError(source, location, 'valid JSON', message, { cause: error });
}

function describeJsonError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
