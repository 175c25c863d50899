import { describe, expect, it } from 'vitest';
import { clusterNow } from '../../../plugin/cluster/command.js';

describe('clusterNow', () => {
  const wall = 1_800_000_000;
  it.each([
    ['no stamps', undefined, wall, false],
    ['stamps behind the clock (the usual case)', wall - 30, wall, false],
    ['a few seconds of skew: silently the stamp', wall + 5, wall + 5, false],
    ['hours ahead (a sandbox at --speed 600): the stamp, with a warning', wall + 8 * 3600, wall + 8 * 3600, true],
  ])('%s', (_what, newest, now, warns) => {
    const clock = clusterNow(wall, newest);
    expect(clock.nowSeconds).toBe(now);
    expect(clock.warning !== undefined).toBe(warns);
  });

  it('names how far ahead', () => {
    expect(clusterNow(wall, wall + 8 * 3600).warning).toMatch(/^the cluster's stamps are up to 8h ahead of this machine's clock/);
  });
});
