import { describe, expect, it } from 'vitest';
import { Labels } from '../../../core/model/labels.js';
import { nodePoolFromSpec, NodePoolSpecError, parseDuration } from '../../../core/model/node-pool-spec.js';
import { GIB } from '../../../core/model/quantity.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['720h', 2_592_000_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['Never', null],
  ])('%s → %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '30', '1d', 'forever', '-5m'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrowError(/duration/);
  });
});

describe('nodePoolFromSpec', () => {
  it('reads a Karpenter-shaped spec', () => {
    const pool = nodePoolFromSpec('general', {
      weight: 10,
      template: {
        metadata: { labels: { team: 'web' } },
        spec: {
          requirements: [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
            { key: 'smartscale.io/instance-category', operator: 'In', values: ['c', 'm', 'r'] },
            { key: Labels.instanceGeneration, operator: 'Gt', values: ['2'] },
          ],
          taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
          nodeClassRef: { group: 'smartscale.io', kind: 'EC2NodeClass', name: 'default' },
          expireAfter: '720h',
        },
      },
      disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: '30s', budgets: [{ nodes: '10%' }, { nodes: '0', schedule: '0 9 * * 1-5', duration: '8h', reasons: ['Underutilized'] }] },
      limits: { cpu: '1000', memory: '1000Gi', nodes: 50 },
    });
    expect(pool).toMatchObject({
      name: 'general',
      weight: 10,
      labels: { team: 'web' },
      limits: { milliCpu: 1_000_000, memoryBytes: 1000 * GIB, nodes: 50 },
      disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfterMs: 30_000, expireAfterMs: 720 * 3_600_000 },
      nodeClassRef: { kind: 'EC2NodeClass', name: 'default' },
    });
    expect(pool.requirements[1].key).toBe(Labels.instanceCategory);
    expect(pool.disruption.budgets[1]).toEqual({ nodes: '0', schedule: '0 9 * * 1-5', durationMs: 8 * 3_600_000, reasons: ['Underutilized'] });
  });

  it('fills Karpenter defaults for an empty spec', () => {
    const pool = nodePoolFromSpec('empty', {});
    expect(pool).toMatchObject({ weight: 0, requirements: [], taints: [], limits: {}, disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', budgets: [{ nodes: '10%' }] } });
  });

  it.each<[string, unknown, RegExp]>([
    ['weight out of range', { weight: 101 }, /weight/],
    ['bad operator', { template: { spec: { requirements: [{ key: 'k', operator: 'Near', values: ['a'] }] } } }, /requirements\[0\].*operator/],
    ['bad taint effect', { template: { spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } } }, /taints\[0\].*effect/],
    ['bad limit quantity', { limits: { cpu: 'lots' } }, /limits.cpu.*invalid quantity/],
    ['unknown limit', { limits: { disks: 3 } }, /limits.disks.*unknown/],
    ['bad budget', { disruption: { budgets: [{ nodes: 'half' }] } }, /budgets\[0\].nodes/],
    ['schedule without duration', { disruption: { budgets: [{ nodes: '0', schedule: '0 9 * * *' }] } }, /needs a duration/],
    ['bad consolidateAfter', { disruption: { consolidateAfter: '5 minutes' } }, /consolidateAfter/],
    ['bad policy', { disruption: { consolidationPolicy: 'Always' } }, /consolidationPolicy/],
    ['reserved label', { template: { metadata: { labels: { [Labels.nodePool]: 'x' } } } }, /set by smartscale/],
    ['not an object', 'spec', /spec: expected an object/],
  ])('%s is a clear error', (_label, spec, message) => {
    expect(() => nodePoolFromSpec('p', spec)).toThrowError(NodePoolSpecError);
    expect(() => nodePoolFromSpec('p', spec)).toThrowError(message);
  });
});
