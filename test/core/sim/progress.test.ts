import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../core/sim/progress.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, columns: 80, chunks, write: (c: string) => (chunks.push(c), true) };
}

describe('progressBar', () => {
  it('draws on a terminal, at most every 100 ms, and clears the line when done', () => {
    const s = stream(true);
    let t = 0;
    const bar = progressBar(s, 'simulating', () => t);
    bar.update(0.1);
    t = 50;
    bar.update(0.2); // too soon: skipped
    t = 200;
    bar.update(0.5);
    bar.finish();
    expect(s.chunks).toHaveLength(3);
    expect(s.chunks[1]).toContain('50%');
    expect(s.chunks[2]).toBe('\r\x1b[2K');
  });

  it('writes nothing when stderr is not a terminal (pipes, files, CI)', () => {
    const s = stream(false);
    const bar = progressBar(s, 'simulating');
    bar.update(0.5);
    bar.finish();
    expect(s.chunks).toHaveLength(0);
  });
});
