/**
 * What the controller writes into smartscale's custom resources passes their schemas and survives
 * pruning: a field the schema does not declare would be dropped by the API server without an error,
 * and the controller would read back less than it wrote.
 */
import { describe, expect, it } from 'vitest';
import { nodeClaimObject } from '../../core/controllers/claims.js';
import { launchRefusalsStatus } from '../../core/controllers/launch-refusals.js';
import { nodeClaimStatusObject } from '../../core/controllers/objects.js';
import { parseNodePoolResource } from '../../core/model/custom-resources/node-pool.js';
import type { NodeClaim } from '../../core/model/node-claim.js';
import { resources } from '../../core/model/resources.js';
import type { PlannedNodeClaim } from '../../core/scheduling/types.js';
import { loadManifest } from './load.js';
import { crdSchema, validateSchema } from './schema.js';

const nodeClaimSchema = crdSchema(loadManifest('crds/nodeclaims.yaml')[0]);
const nodePoolSchema = crdSchema(loadManifest('crds/nodepools.yaml')[0]);

function pool() {
  const [example] = loadManifest('examples/nodepool.yaml');
  example.spec.template.spec.taints = [{ key: 'dedicated', value: 'web', effect: 'NoSchedule' }];
  example.spec.template.spec.startupTaints = [{ key: 'node.cilium.io/agent-not-ready', effect: 'NoExecute' }];
  const parsed = parseNodePoolResource(example);
  expect(parsed.errors).toEqual([]);
  return parsed.nodePool!;
}

const planned = {
  id: 'planned-0',
  nodePool: 'default',
  instanceType: 'm6i.large',
  instanceTypeOptions: [{ instanceType: 'm6i.large' }, { instanceType: 'm6a.large' }],
  requirements: [
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
    { key: 'karpenter.k8s.aws/instance-generation', operator: 'Gt', values: ['5'] },
    { key: 'example.com/gpu', operator: 'DoesNotExist' },
  ],
  pods: ['shop/checkout-1'],
  requests: resources({ milliCpu: 1500, memoryBytes: 3 * 2 ** 30, pods: 3 }),
  allocatable: resources({ milliCpu: 1930, memoryBytes: 7 * 2 ** 30, pods: 29 }),
} as unknown as PlannedNodeClaim;

describe('NodeClaim', () => {
  it('a new claim passes the schema and loses nothing to pruning', () => {
    const object = nodeClaimObject(planned, pool(), { name: 'default-abcde', predicted: true, reason: 'provisioning' });
    const checked = validateSchema(nodeClaimSchema, object);
    expect(checked.errors).toEqual([]);
    expect(checked.value).toEqual(object);
  });

  it('its status passes the schema and loses nothing to pruning', () => {
    const claim = {
      name: 'default-abcde',
      createdAt: 0,
      spec: {},
      status: {
        providerId: 'aws:///us-east-1a/i-0123456789abcdef0',
        instanceType: 'm6i.large',
        zone: 'us-east-1a',
        capacityType: 'spot',
        pricePerHour: 0.0432,
        capacity: resources({ milliCpu: 2000, memoryBytes: 8 * 2 ** 30, pods: 29 }),
        allocatable: resources({ milliCpu: 1930, memoryBytes: 7 * 2 ** 30, pods: 29 }),
        nodeName: 'ip-10-0-0-1.ec2.internal',
        conditions: [
          { type: 'Launched', status: 'True', lastTransitionTime: 1_790_000_000_000 },
          { type: 'Registered', status: 'False', reason: 'Waiting', message: 'no node yet', lastTransitionTime: 1_790_000_060_000 },
        ],
      },
    } as unknown as NodeClaim;
    const object = nodeClaimObject(planned, pool(), { name: 'default-abcde', predicted: false, reason: 'replacement' });
    object.status = nodeClaimStatusObject(claim);
    const checked = validateSchema(nodeClaimSchema, object);
    expect(checked.errors).toEqual([]);
    expect(checked.value).toEqual(object);
  });
});

describe('NodePool status', () => {
  it('launch refusals pass the schema and lose nothing to pruning', () => {
    const [object] = loadManifest('examples/nodepool.yaml');
    object.status = {
      launchRefusals: launchRefusalsStatus([
        { nodePool: 'default', key: 'default|m6i.large|spot', reason: 'InvalidParameterValue: bad AMI', failures: 3, refusedAt: 1_790_000_000_000, retryAt: 1_790_000_600_000 },
      ] as never),
    };
    const checked = validateSchema(nodePoolSchema, object);
    expect(checked.errors).toEqual([]);
    expect((checked.value as { status: unknown }).status).toEqual(object.status);
  });
});
