import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { parseNodePoolResource } from '../../../../core/model/custom-resources/node-pool.js';
import { repoRoot } from '../../../support/shared.js';

function nodePoolObject(spec: Record<string, unknown> = {}, templateSpec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodePool',
    metadata: { name: 'default' },
    spec: { template: { metadata: { labels: { team: 'web' } }, spec: { requirements: [], ...templateSpec } }, ...spec },
  };
}

describe('parseNodePoolResource', () => {
  it('reads a complete pool', () => {
    const { nodePool, errors } = parseNodePoolResource(
      nodePoolObject(
        {
          weight: 50,
          limits: { cpu: '1000', memory: '4000Gi', nodes: '100' },
          disruption: {
            consolidationPolicy: 'WhenEmpty',
            consolidateAfter: '5m',
            budgets: [{ nodes: '10%' }, { nodes: '0', schedule: '0 9 * * 1-5', duration: '8h', reasons: ['Underutilized'] }],
          },
        },
        {
          requirements: [
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot', 'on-demand'] },
            { key: 'karpenter.k8s.aws/instance-cpu', operator: 'Gt', values: ['1'] },
          ],
          taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
          expireAfter: 'Never',
          nodeClassRef: { group: 'smartscale.io', kind: 'EC2NodeClass', name: 'default' },
        },
      ),
    );
    expect(errors).toEqual([]);
    expect(nodePool).toMatchObject({
      name: 'default',
      weight: 50,
      labels: { team: 'web' },
      limits: { milliCpu: 1_000_000, memoryBytes: 4000 * 1024 ** 3, nodes: 100 },
      taints: [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }],
      nodeClassRef: { kind: 'EC2NodeClass', name: 'default' },
      disruption: {
        consolidationPolicy: 'WhenEmpty',
        consolidateAfterMs: 300_000,
        expireAfterMs: null,
        budgets: [{ nodes: '10%' }, { nodes: '0', schedule: '0 9 * * 1-5', durationMs: 8 * 3_600_000, reasons: ['Underutilized'] }],
      },
    });
    expect(nodePool?.requirements).toHaveLength(2);
  });

  it('applies Karpenter defaults', () => {
    const { nodePool } = parseNodePoolResource(nodePoolObject());
    expect(nodePool?.disruption.consolidationPolicy).toBe('WhenEmptyOrUnderutilized');
    expect(nodePool?.disruption.expireAfterMs).toBe(30 * 24 * 3_600_000);
    expect(nodePool?.disruption.budgets).toEqual([{ nodes: '10%' }]);
    expect(nodePool?.weight).toBe(0);
  });

  it.each([
    [nodePoolObject({ weight: 101 }), 'spec.weight'],
    [nodePoolObject({ limits: { cpu: 'lots' } }), 'spec.limits.cpu'],
    [nodePoolObject({ disruption: { consolidateAfter: '5 minutes' } }), 'consolidateAfter'],
    [nodePoolObject({ disruption: { consolidationPolicy: 'Always' } }), 'consolidationPolicy'],
    [nodePoolObject({ disruption: { budgets: [{ nodes: '150%' }] } }), 'budgets[0].nodes'],
    [nodePoolObject({ disruption: { budgets: [{ nodes: '1', schedule: 'every day', duration: '1h' }] } }), 'not a cron'],
    [nodePoolObject({ disruption: { budgets: [{ nodes: '1', schedule: '@daily' }] } }), 'go together'],
    [nodePoolObject({}, { requirements: [{ key: 'karpenter.k8s.aws/instance-cpu', operator: 'Gt', values: ['x'] }] }), 'integer'],
    [nodePoolObject({}, { requirements: [{ key: 'x', operator: 'Near' }] }), 'operator'],
    [nodePoolObject({}, { taints: [{ key: 'a', effect: 'Sometimes' }] }), 'taints[0]'],
    [nodePoolObject({}, { expireAfter: 'soon' }), 'expireAfter'],
    [{ metadata: {} }, 'metadata.name'],
    [{ metadata: { name: 'x' }, spec: {} }, 'spec.template.spec'],
    ['not an object', 'metadata.name'],
  ])('rejects %j naming the field', (object, field) => {
    const { nodePool, errors } = parseNodePoolResource(object);
    expect(nodePool).toBeUndefined();
    expect(errors.join('\n')).toContain(field);
  });

  it('accepts the example NodePool shipped in manifests/', () => {
    const path = `${repoRoot}/manifests/examples/nodepool.yaml`;
    const object = load(readFileSync(path, 'utf8'));
    expect(parseNodePoolResource(object).errors).toEqual([]);
  });
});
