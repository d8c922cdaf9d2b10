// Where CLI output goes: the process's streams, or buffers in tests (the CLI runs in-process).

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (progress bars, colours). */
  readonly isTTY: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
};

export interface CapturedIo extends Io {
  stdout(): string;
  stderr(): string;
}

export function captureIo(): CapturedIo {
  let o = '';
  let e = '';
  return {
    out: (t) => void (o += t),
    err: (t) => void (e += t),
    isTTY: false,
    stdout: () => o,
    stderr: () => e,
  };
}
