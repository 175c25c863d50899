/** Builders for EC2 provider tests: a cluster, a node class, claims, and a provider on an in-memory EC2. */
import { ManualClock } from '../../../../core/model/clock.js';
import { Labels } from '../../../../core/model/labels.js';
import type { NodeClaim } from '../../../../core/model/node-claim.js';
import type { Requirement } from '../../../../core/model/requirements.js';
import { ZERO_RESOURCES } from '../../../../core/model/resources.js';
import { Ec2CloudProvider, type Ec2ProviderOptions } from '../../../../core/cloud/ec2/provider.js';
import { launchHash } from '../../../../core/cloud/ec2/drift.js';
import { parseEC2NodeClass, type EC2NodeClass } from '../../../../core/cloud/ec2/node-class.js';
import type { ClusterJoin } from '../../../../core/cloud/ec2/user-data.js';
import { InMemoryEc2 } from './fake-ec2.js';
import { InMemoryIam } from './fake-iam.js';

export const CLUSTER: ClusterJoin = {
  name: 'demo',
  endpoint: 'https://ABCDEF.gr7.us-east-1.eks.amazonaws.com',
  caBundle: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
  serviceCidr: '10.100.0.0/16',
};

/** The tags a launch of `claim()` on `nodeClass()` carries (node class tags first, then smartscale's). */
export const LAUNCH_TAGS = [
  { Key: 'team', Value: 'platform' },
  { Key: 'smartscale.io/nodeclaim', Value: 'default-abc12' },
  { Key: 'smartscale.io/nodepool', Value: 'default' },
  { Key: 'smartscale.io/cluster', Value: 'demo' },
  { Key: 'smartscale.io/nodeclass', Value: 'default' },
  { Key: 'smartscale.io/launch-hash', Value: launchHash(nodeClass(), ['sg-0001']) },
];

export function nodeClassSpec(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    subnetSelectorTerms: [{ tags: { 'smartscale.io/discovery': 'demo' } }],
    securityGroupSelectorTerms: [{ tags: { 'smartscale.io/discovery': 'demo' } }],
    amiSelectorTerms: [{ tags: { 'smartscale.io/discovery': 'demo' } }],
    instanceProfile: 'SmartscaleNodeProfile',
    tags: { team: 'platform' },
    ...spec,
  };
}

export function nodeClass(spec: Record<string, unknown> = {}, name = 'default'): EC2NodeClass {
  return parseEC2NodeClass({ apiVersion: 'smartscale.io/v1', kind: 'EC2NodeClass', metadata: { name }, spec: nodeClassSpec(spec) });
}

export interface ClaimOptions {
  name?: string;
  types?: string[];
  requirements?: Requirement[];
  nodePool?: string;
  nodeClass?: string | null;
  createdAt?: number;
  labels?: Record<string, string>;
}

export function claim(options: ClaimOptions = {}): NodeClaim {
  const types = options.types ?? ['t3.medium', 'm6i.large'];
  return {
    name: options.name ?? 'default-abc12',
    createdAt: options.createdAt ?? 1_780_000_000_000,
    spec: {
      nodePool: options.nodePool ?? 'default',
      nodeClassRef: options.nodeClass === null ? undefined : { group: 'smartscale.io', kind: 'EC2NodeClass', name: options.nodeClass ?? 'default' },
      requirements: [{ key: Labels.instanceType, operator: 'In', values: types }, ...(options.requirements ?? [])],
      requests: { ...ZERO_RESOURCES, milliCpu: 500, pods: 1 },
      instanceTypeOptions: types,
      taints: [],
      labels: options.labels ?? { team: 'platform' },
    },
    status: { conditions: [] },
  };
}

export interface Harness {
  ec2: InMemoryEc2;
  iam: InMemoryIam;
  clock: ManualClock;
  sleeps: number[];
  provider: Ec2CloudProvider;
  /** A second provider on the same EC2 (a restarted controller: fresh caches). */
  restart(): Ec2CloudProvider;
}

export function harness(options: Partial<Ec2ProviderOptions> & { ec2?: InMemoryEc2; classes?: EC2NodeClass[] } = {}): Harness {
  const ec2 = options.ec2 ?? new InMemoryEc2();
  const iam = new InMemoryIam();
  const clock = new ManualClock(ec2.now);
  const sleeps: number[] = [];
  const classes = new Map((options.classes ?? [nodeClass()]).map((c) => [c.name, c]));
  const make = () =>
    new Ec2CloudProvider({
      cluster: CLUSTER,
      nodeClasses: (name) => classes.get(name),
      createClient: () => ec2.client,
      createIamClient: () => iam.client,
      clock,
      random: () => 0.5,
      ...options,
      retry: {
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        ...options.retry,
      },
    });
  return { ec2, iam, clock, sleeps, provider: make(), restart: make };
}
