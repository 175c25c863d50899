import { describe, expect, it } from 'vitest';
import { slackReplicas, withoutSlack } from '../../../core/sizing/slack.js';

describe('slackReplicas', () => {
  it.each([
    { decided: [10], free: 3, slack: [3] },
    { decided: [10], free: 0, slack: [0] },
    { decided: [10], free: -4, slack: [0] },
    { decided: [10], free: 2.9, slack: [2] },
    { decided: [6, 3], free: 3, slack: [2, 1] },
    // 7 × 2/3 = 4.67 and 7 × 1/3 = 2.33: the larger remainder gets the odd slot.
    { decided: [2, 1], free: 7, slack: [5, 2] },
    // Equal remainders: the lower index first.
    { decided: [1, 1], free: 3, slack: [2, 1] },
    { decided: [0, 0, 0], free: 4, slack: [2, 1, 1] },
    { decided: [], free: 4, slack: [] },
  ])('shares $free free slots over $decided as $slack', ({ decided, free, slack }) => {
    const out = slackReplicas(decided, free);
    expect(out).toEqual(slack);
    if (decided.length) expect(out.reduce((a, b) => a + b, 0)).toBe(Math.max(0, Math.floor(free)));
  });

  it('rejects decided replicas that are not non-negative numbers', () => {
    expect(() => slackReplicas([3, -1], 2)).toThrow(RangeError);
    expect(() => slackReplicas([Number.NaN], 2)).toThrow(RangeError);
  });
});

describe('withoutSlack', () => {
  it('takes slack pods from the emptiest nodes first, as scale-down by pod-deletion-cost would', () => {
    const nodes = [
      { perService: [4, 0], pods: 4 },
      { perService: [1, 1], pods: 2 },
      { perService: [2, 1], pods: 3 },
    ];
    // Service 0: 2 slack pods: the 2-pod node's one, then the 3-pod node's first. Service 1: 1 slack
    // pod, from the 2-pod node.
    expect(withoutSlack(nodes, [2, 1]).map((c) => Array.from(c))).toEqual([
      [4, 0],
      [0, 0],
      [1, 1],
    ]);
  });

  it('never takes more than a node has, nor more than there are', () => {
    const nodes = [{ perService: [1], pods: 1 }, { perService: [2], pods: 2 }];
    expect(withoutSlack(nodes, [10]).map((c) => Array.from(c))).toEqual([[0], [0]]);
    expect(withoutSlack(nodes, [0]).map((c) => Array.from(c))).toEqual([[1], [2]]);
    // The input is not changed.
    expect(nodes[1].perService).toEqual([2]);
  });
});
