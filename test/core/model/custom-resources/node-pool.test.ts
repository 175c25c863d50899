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

  it.each([
    ['a fraction of a node (rounding up would loosen the limit)', { limits: { nodes: '0.5' } }, {}, 'spec.limits.nodes: "0.5" is not a whole number'],
    ['a fraction of a node, as a number', { limits: { nodes: 2.5 } }, {}, 'spec.limits.nodes: "2.5" is not a whole number'],
    ['a fraction of a GPU', { limits: { 'nvidia.com/gpu': '1.5' } }, {}, 'spec.limits.nvidia.com/gpu: "1.5" is not a whole number'],
    ['a limit it does not know (the pool would be unlimited)', { limits: { cpus: '10' } }, {}, 'spec.limits.cpus is not a limit smartscale enforces (did you mean cpu?)'],
    ['gpu for nvidia.com/gpu', { limits: { gpu: '4' } }, {}, 'spec.limits.gpu is not a limit smartscale enforces (did you mean nvidia.com/gpu?)'],
    ["another vendor's resource", { limits: { 'amd.com/gpu': '4' } }, {}, 'spec.limits.amd.com/gpu is not a limit smartscale enforces (limits are cpu, memory, nvidia.com/gpu, nodes)'],
    ['a numeric taint value (dropping it would widen the taint)', {}, { taints: [{ key: 'dedicated', value: 1, effect: 'NoSchedule' }] }, 'spec.template.spec.taints[0].value must be a string (quote it in YAML: value: "1")'],
    ['a numeric startup taint value', {}, { startupTaints: [{ key: 'cni', value: true, effect: 'NoSchedule' }] }, 'spec.template.spec.startupTaints[0].value must be a string'],
    ['expireAfter 0s (every node expires at once)', {}, { expireAfter: '0s' }, 'spec.template.spec.expireAfter: "0s" would expire every node as soon as it starts: use a positive duration such as 720h, or Never'],
    ['expireAfter 0m, another spelling of zero', {}, { expireAfter: '0m' }, 'would expire every node'],
    ['a repeated duration unit', {}, { expireAfter: '360h360h' }, 'each unit at most once'],
  ])('rejects %s with a clear error', (_name, spec, templateSpec, message) => {
    const { nodePool, errors } = parseNodePoolResource(nodePoolObject(spec, templateSpec));
    expect(nodePool).toBeUndefined();
    expect(errors).toEqual([expect.stringContaining(message)]);
  });

  it('whole counts, a zero node limit (no nodes at all) and a positive expiry are accepted', () => {
    const { nodePool, errors } = parseNodePoolResource(nodePoolObject({ limits: { nodes: 0, 'nvidia.com/gpu': '8' } }, { expireAfter: '1s', taints: [{ key: 'a', value: '1', effect: 'NoSchedule' }] }));
    expect(errors).toEqual([]);
    expect(nodePool?.limits).toEqual({ nodes: 0, gpus: 8 });
    expect(nodePool?.disruption.expireAfterMs).toBe(1000);
    expect(nodePool?.taints).toEqual([{ key: 'a', value: '1', effect: 'NoSchedule' }]);
  });

  it('accepts the example NodePool shipped in manifests/', () => {
    const path = `${repoRoot}/manifests/examples/nodepool.yaml`;
    const object = load(readFileSync(path, 'utf8'));
    expect(parseNodePoolResource(object).errors).toEqual([]);
  });
});
