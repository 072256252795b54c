/** Where a command writes: stdout for results (JSON or tables), stderr for progress and errors. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars only then, so pipes and CI logs stay clean). */
  interactive: boolean;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
};

/** A mistake the user can fix (bad flag, unreachable server, unreadable policy): printed as is, no stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(message: string, readonly exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
  }
}
