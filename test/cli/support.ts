import type { CliIo } from '../../cli/io.ts';

/** A CliIo that records what a command printed. */
export function captureIo(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += text),
    err: (text) => void (err += text),
    interactive: false,
    stdout: () => out,
    stderr: () => err,
  };
}
