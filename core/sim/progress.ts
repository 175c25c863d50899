/**
 * A progress bar for long runs, drawn on a terminal stream only (never into pipes or files, so
 * `-o json > out.json` and CI logs stay clean). Redraws at most every 100 ms.
 */

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressBar {
  update(done: number): void;
  finish(): void;
}

const SILENT: ProgressBar = { update: () => {}, finish: () => {} };

export function progressBar(stream: ProgressStream, label: string, now: () => number = () => Date.now()): ProgressBar {
  if (!stream.isTTY) return SILENT;
  let last = -Infinity;
  let drawn = false;
  const draw = (done: number) => {
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 12));
    const filled = Math.round(Math.max(0, Math.min(1, done)) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(done * 100)}%`);
    drawn = true;
  };
  return {
    update(done: number) {
      const t = now();
      if (t - last < 100) return;
      last = t;
      draw(done);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
