import { describe, expect, it } from 'vitest';
import { Labels } from '../../../core/model/labels.js';
import type { Pod } from '../../../core/model/pod.js';
import type { Requirement } from '../../../core/model/requirements.js';
import { solve } from '../../../core/scheduling/solver.js';
import { podFromSpec } from '../../../core/controllers/objects.js';
import type { SchedulingInput, SchedulingResult } from '../../../core/scheduling/types.js';
import { existingNode, instanceType, nodePool, pod, pods, smallCatalog } from './builders.js';

function plan(input: Partial<SchedulingInput> & { pods: readonly Pod[] }): SchedulingResult {
  return solve({ existingNodes: [], nodePools: [nodePool()], instanceTypes: smallCatalog(), ...input });
}

function typesOf(result: SchedulingResult): string[] {
  return result.newNodeClaims.map((c) => c.instanceType).sort();
}

function expectAllPlaced(result: SchedulingResult, count: number): void {
  expect(result.unplaceable).toEqual([]);
  const placed = result.placements.length + result.newNodeClaims.reduce((n, c) => n + c.pods.length, 0);
  expect(placed).toBe(count);
}

describe('solve: resource requests', () => {
  it.each([
    ['a small pod gets the cheapest type', { cpu: 500, memoryMiB: 512 }, 'm6g.large'],
    ['a memory-heavy pod gets a memory type', { cpu: 500, memoryMiB: 12 * 1024 }, 'r5.large'],
    ['a pod that needs 3 vCPU skips every 2-vCPU type', { cpu: 3000, memoryMiB: 1024 }, 'm6g.xlarge'],
    ['a GPU pod gets the GPU type', { cpu: 500, memoryMiB: 512, gpus: 1 }, 'g4dn.xlarge'],
  ])('%s', (_label, requests, expected) => {
    const result = plan({ pods: [pod(requests)] });
    expect(typesOf(result)).toEqual([expected]);
  });

  it('never picks a type whose allocatable cannot hold the pod', () => {
    // m5.large has 2 vCPU capacity but 1.9 allocatable.
    const result = plan({ pods: [pod({ cpu: 1950, memoryMiB: 256 })], instanceTypes: smallCatalog().filter((t) => !t.name.startsWith('m6g')) });
    const claim = result.newNodeClaims[0];
    expect(claim.allocatable.milliCpu).toBeGreaterThanOrEqual(1950);
    for (const option of claim.instanceTypeOptions) expect(option.instanceType).not.toMatch(/\.large$/);
  });

  it('a pod bigger than every type is unplaceable with NoInstanceTypeFits', () => {
    const result = plan({ pods: [pod({ name: 'huge', cpu: 64_000 })] });
    expect(result.unplaceable).toEqual([expect.objectContaining({ pod: 'default/huge', reason: 'NoInstanceTypeFits' })]);
    expect(result.newNodeClaims).toEqual([]);
  });

  it('packs many small pods onto few well-filled nodes instead of one node each', () => {
    const result = plan({ pods: pods(12, { cpu: 1000, memoryMiB: 1024 }) });
    expectAllPlaced(result, 12);
    expect(result.newNodeClaims.length).toBeLessThanOrEqual(4);
    // 12 vCPU at the cheapest per-vCPU price (m6g: 0.0385/vCPU) costs at least 0.462/h.
    expect(result.newCostPerHour).toBeLessThan(0.462 * 1.35);
  });
});

describe('solve: node selectors and affinity', () => {
  const cases: Array<[string, Partial<Pod>, (type: string) => boolean]> = [
    ['nodeSelector arch amd64', { nodeSelector: { [Labels.arch]: 'amd64' } }, (t) => !t.startsWith('m6g')],
    ['nodeSelector instance type', { nodeSelector: { [Labels.instanceType]: 'c5.xlarge' } }, (t) => t === 'c5.xlarge'],
    ['affinity family In', { requiredNodeAffinity: [[{ key: Labels.instanceFamily, operator: 'In', values: ['r5'] }]] }, (t) => t.startsWith('r5')],
    ['affinity category NotIn', { requiredNodeAffinity: [[{ key: Labels.instanceCategory, operator: 'NotIn', values: ['m'] }]] }, (t) => !t.startsWith('m')],
    ['affinity cpu Gt 3', { requiredNodeAffinity: [[{ key: Labels.instanceCpu, operator: 'Gt', values: ['3'] }]] }, (t) => t.endsWith('xlarge')],
    ['affinity memory Lt 9000 MiB', { requiredNodeAffinity: [[{ key: Labels.instanceMemory, operator: 'Lt', values: ['9000'] }]] }, (t) => ['m5.large', 'c5.large', 'c5.xlarge', 'm6g.large'].includes(t)],
    ['affinity gpu count Exists and Gt 0', { requiredNodeAffinity: [[{ key: Labels.instanceGpuCount, operator: 'Gt', values: ['0'] }]] }, (t) => t === 'g4dn.xlarge'],
    ['affinity on a label no type has: DoesNotExist', { requiredNodeAffinity: [[{ key: 'example.com/special', operator: 'DoesNotExist' }]] }, () => true],
    [
      'affinity terms are ORed',
      {
        requiredNodeAffinity: [
          [{ key: Labels.instanceType, operator: 'In', values: ['r5.xlarge'] }],
          [{ key: Labels.instanceType, operator: 'In', values: ['c5.large'] }],
        ],
      },
      (t) => t === 'c5.large' || t === 'r5.xlarge',
    ],
    ['zone via nodeSelector', { nodeSelector: { [Labels.zone]: 'zone-b' } }, () => true],
  ];
  it.each(cases)('%s', (_label, constraints, allowed) => {
    const result = plan({ pods: [pod({ cpu: 500, memoryMiB: 512, ...constraints })] });
    expect(result.unplaceable).toEqual([]);
    const claim = result.newNodeClaims[0];
    expect(allowed(claim.instanceType)).toBe(true);
    for (const option of claim.instanceTypeOptions) expect(allowed(option.instanceType)).toBe(true);
    if (constraints.nodeSelector?.[Labels.zone]) expect(claim.offering.zone).toBe('zone-b');
  });

  it('a requirement nothing satisfies is NoCompatibleNodePool', () => {
    const result = plan({ pods: [pod({ nodeSelector: { [Labels.arch]: 's390x' } })] });
    expect(result.unplaceable[0].reason).toBe('NoCompatibleNodePool');
  });

  it('matchFields on the node name (podFromSpec): In pins the pod to that existing node and never buys one; NotIn avoids it', () => {
    const spec = (operator: 'In' | 'NotIn') => ({
      containers: [{ name: 'c', resources: { requests: { cpu: '500m', memory: '512Mi' } } }],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator, values: ['node-b'] }] }] } } },
    });
    const nodes = [existingNode({ name: 'node-a' }), existingNode({ name: 'node-b' })];
    const pinned = plan({ pods: [podFromSpec('default', 'pinned', {}, spec('In'))], existingNodes: nodes });
    expect(pinned.placements).toEqual([{ pod: 'default/pinned', node: 'node-b' }]);
    const full = nodes.map((n) => ({ ...n, allocatable: { ...n.allocatable, milliCpu: 100 } }));
    const noRoom = plan({ pods: [podFromSpec('default', 'pinned', {}, spec('In'))], existingNodes: full });
    expect(noRoom.newNodeClaims).toEqual([]);
    expect(noRoom.unplaceable.map((u) => u.pod)).toEqual(['default/pinned']);
    const avoid = plan({ pods: [podFromSpec('default', 'elsewhere', {}, spec('NotIn'))], existingNodes: [existingNode({ name: 'node-b' })] });
    expect(avoid.placements).toEqual([]);
    expect(avoid.newNodeClaims.map((c) => c.pods)).toEqual([['default/elsewhere']]);
  });

  it('a required node affinity whose only term is empty matches no node: nothing is bought for it', () => {
    const spec = { containers: [{ name: 'c' }], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } } };
    const result = plan({ pods: [podFromSpec('default', 'nowhere', {}, spec)], existingNodes: [existingNode()] });
    expect(result.placements).toEqual([]);
    expect(result.newNodeClaims).toEqual([]);
    expect(result.unplaceable.map((u) => u.pod)).toEqual(['default/nowhere']);
  });

  it('pool requirements narrow the types (capacity type spot, family)', () => {
    const types = smallCatalog().map((t) => instanceType({ name: t.name, cpu: t.capacity.milliCpu / 1000, memoryGiB: t.capacity.memoryBytes / 1024 ** 3, price: t.offerings[0].pricePerHour, arch: t.arch, capacityTypes: ['on-demand', 'spot'] }));
    const requirements: Requirement[] = [
      { key: Labels.capacityType, operator: 'In', values: ['spot'] },
      { key: Labels.instanceFamily, operator: 'In', values: ['c5'] },
    ];
    const result = plan({ pods: [pod()], instanceTypes: types, nodePools: [nodePool({ requirements })] });
    expect(result.newNodeClaims[0].instanceType).toBe('c5.large');
    expect(result.newNodeClaims[0].offering.capacityType).toBe('spot');
  });
});

describe('solve: taints and tolerations', () => {
  const gpuPool = nodePool({ name: 'gpu', weight: 10, taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] });
  it.each([
    ['without a toleration the tainted pool is unusable', undefined, 'NoCompatibleNodePool'],
    ['an Equal toleration with the wrong value does not help', [{ key: 'nvidia.com/gpu', operator: 'Equal' as const, value: 'x', effect: 'NoSchedule' as const }], 'NoCompatibleNodePool'],
    ['an Exists toleration makes it usable', [{ key: 'nvidia.com/gpu', operator: 'Exists' as const }], undefined],
    ['a wildcard toleration makes it usable', [{ operator: 'Exists' as const }], undefined],
  ])('%s', (_label, tolerations, reason) => {
    const result = plan({ pods: [pod({ tolerations })], nodePools: [gpuPool] });
    if (reason) expect(result.unplaceable[0].reason).toBe(reason);
    else expect(result.newNodeClaims[0].nodePool).toBe('gpu');
  });

  it('PreferNoSchedule taints do not block', () => {
    const result = plan({ pods: [pod()], nodePools: [nodePool({ taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] })] });
    expect(result.unplaceable).toEqual([]);
  });

  it('does not place an untolerating pod on a tainted existing node', () => {
    const node = existingNode({ name: 'tainted', taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] });
    const result = plan({ pods: [pod()], existingNodes: [node] });
    expect(result.placements).toEqual([]);
    expect(result.newNodeClaims).toHaveLength(1);
  });
});

describe('solve: existing nodes', () => {
  it('uses free capacity on existing nodes before launching', () => {
    const node = existingNode({ name: 'n1', cpu: 4, memoryGiB: 16, pods: [pod({ cpu: 2000, memoryMiB: 1024, nodeName: 'n1' })] });
    const result = plan({ pods: pods(3, { cpu: 500, memoryMiB: 512 }), existingNodes: [node] });
    expect(result.placements.map((p) => p.node)).toEqual(['n1', 'n1', 'n1']);
    expect(result.newNodeClaims).toEqual([]);
  });

  it('counts the bound pods: a full node takes nothing', () => {
    const node = existingNode({ name: 'full', cpu: 1, memoryGiB: 16, pods: [pod({ cpu: 1000, nodeName: 'full' })] });
    const result = plan({ pods: [pod({ cpu: 100 })], existingNodes: [node] });
    expect(result.placements).toEqual([]);
    expect(result.newNodeClaims).toHaveLength(1);
  });

  it('skips unschedulable (cordoned) nodes', () => {
    const result = plan({ pods: [pod()], existingNodes: [existingNode({ unschedulable: true })] });
    expect(result.placements).toEqual([]);
  });
});

describe('solve: topology spread and anti-affinity', () => {
  it.each([
    [6, 1, [2, 2, 2]],
    [7, 1, [2, 2, 3]],
    [3, 2, [1, 1, 1]],
  ])('%d pods with zonal maxSkew %d spread as %j', (count, maxSkew, expected) => {
    const labels = { app: 'web' };
    const spread = [{ topologyKey: Labels.zone, maxSkew, labelSelector: labels, whenUnsatisfiable: 'DoNotSchedule' as const }];
    const result = plan({ pods: pods(count, { labels, topologySpread: spread }) });
    expectAllPlaced(result, count);
    const perZone = new Map<string, number>();
    for (const claim of result.newNodeClaims) perZone.set(claim.offering.zone, (perZone.get(claim.offering.zone) ?? 0) + claim.pods.length);
    expect([...perZone.values()].sort()).toEqual(expected);
  });

  it('counts pods already running per zone', () => {
    const labels = { app: 'web' };
    const spread = [{ topologyKey: Labels.zone, maxSkew: 1, labelSelector: labels, whenUnsatisfiable: 'DoNotSchedule' as const }];
    const busy = existingNode({ name: 'a1', zone: 'zone-a', cpu: 0.5, pods: pods(2, { labels, cpu: 250, nodeName: 'a1' }) });
    const result = plan({ pods: pods(4, { labels, topologySpread: spread }), existingNodes: [busy] });
    const zones = result.newNodeClaims.flatMap((c) => c.pods.map(() => c.offering.zone)).sort();
    expect(zones).toEqual(['zone-b', 'zone-b', 'zone-c', 'zone-c']);
  });

  it('counts only the pods on nodes the pod may run on (a node of another pool, which its selector rules out, does not count)', () => {
    const labels = { app: 'web' };
    const spread = [{ topologyKey: Labels.zone, maxSkew: 1, labelSelector: labels, whenUnsatisfiable: 'DoNotSchedule' as const }];
    const otherPool = existingNode({ name: 'a1', zone: 'zone-a', cpu: 0.5, labels: { team: 'other' }, pods: pods(2, { labels, cpu: 250, nodeName: 'a1' }) });
    const mine = pods(3, { labels, topologySpread: spread, requiredNodeAffinity: [[{ key: 'team', operator: 'DoesNotExist' }]] });
    const result = plan({ pods: mine, existingNodes: [otherPool] });
    const zones = result.newNodeClaims.flatMap((c) => c.pods.map(() => c.offering.zone)).sort();
    expect(zones).toEqual(['zone-a', 'zone-b', 'zone-c']);
  });

  it('hostname anti-affinity puts each pod on its own node', () => {
    const labels = { app: 'db' };
    const result = plan({ pods: pods(4, { labels, antiAffinity: [{ topologyKey: Labels.hostname, labelSelector: labels }] }) });
    expectAllPlaced(result, 4);
    expect(result.newNodeClaims).toHaveLength(4);
    for (const claim of result.newNodeClaims) expect(claim.pods).toHaveLength(1);
  });

  it('anti-affinity pods still share nodes with other pods', () => {
    const labels = { app: 'db' };
    const result = plan({
      pods: [...pods(2, { name: 'db', labels, cpu: 1000, antiAffinity: [{ topologyKey: Labels.hostname, labelSelector: labels }] }), ...pods(4, { cpu: 500 })],
    });
    expectAllPlaced(result, 6);
    const dbNodes = result.newNodeClaims.filter((c) => c.pods.some((p) => p.startsWith('default/db')));
    expect(dbNodes).toHaveLength(2);
    for (const claim of dbNodes) expect(claim.pods.length).toBeGreaterThan(1);
  });

  it('honours anti-affinity of pods already on a node (symmetry)', () => {
    const node = existingNode({ name: 'n1', pods: [pod({ labels: { app: 'x' }, nodeName: 'n1', antiAffinity: [{ topologyKey: Labels.hostname, labelSelector: { app: 'y' } }] })] });
    const result = plan({ pods: [pod({ labels: { app: 'y' } })], existingNodes: [node] });
    expect(result.placements).toEqual([]);
  });

  it('hostname topology spread caps pods per node at maxSkew', () => {
    const labels = { app: 'api' };
    const result = plan({
      pods: pods(6, { labels, cpu: 100, topologySpread: [{ topologyKey: Labels.hostname, maxSkew: 2, labelSelector: labels, whenUnsatisfiable: 'DoNotSchedule' }] }),
    });
    expect(result.newNodeClaims).toHaveLength(3);
  });

  it('anti-affinity on an unsupported topology key is reported, not ignored', () => {
    const result = plan({ pods: [pod({ labels: { a: 'b' }, antiAffinity: [{ topologyKey: 'example.com/rack', labelSelector: { a: 'b' } }] })] });
    expect(result.unplaceable[0].reason).toBe('UnsupportedConstraint');
  });
});

describe('solve: a group that attracts itself by zone (its first pods)', () => {
  const zoneOf = (claim: SchedulingResult['newNodeClaims'][number]) => claim.requirements.find((r) => r.key === Labels.zone)!.values;

  it('every node bought for it is in one zone (the scheduler places the first anywhere and the rest follow it)', () => {
    const group = pods(6, { cpu: 3000, memoryMiB: 1024, labels: { app: 'q' }, zoneGroup: 'q' });
    const result = plan({ pods: group, instanceTypes: smallCatalog().filter((t) => t.name.endsWith('.xlarge')) });
    expectAllPlaced(result, 6);
    expect(result.newNodeClaims.length).toBeGreaterThan(1);
    const zones = result.newNodeClaims.map(zoneOf);
    for (const z of zones) expect(z).toEqual(zones[0]);
    expect(zones[0]).toHaveLength(1);
    // Without the mark the same pods may land in any zone.
    const free = plan({ pods: pods(6, { cpu: 3000, memoryMiB: 1024, labels: { app: 'q' } }), instanceTypes: smallCatalog().filter((t) => t.name.endsWith('.xlarge')) });
    expect(zoneOf(free.newNodeClaims[0])!.length).toBe(3);
  });

  it('the zone of an existing node with room for it comes first (the scheduler will put the first there at once)', () => {
    const room = existingNode({ name: 'room-in-c', zone: 'zone-c', cpu: 4, memoryGiB: 16 });
    const group = pods(4, { cpu: 3000, memoryMiB: 1024, labels: { app: 'q' }, zoneGroup: 'q' });
    const result = plan({ pods: group, existingNodes: [room], instanceTypes: smallCatalog().filter((t) => t.name.endsWith('.xlarge')) });
    expectAllPlaced(result, 4);
    expect(result.placements.map((p) => p.node)).toEqual(['room-in-c']);
    for (const claim of result.newNodeClaims) expect(zoneOf(claim)).toEqual(['zone-c']);
  });

  it('one zone for the whole group, even when its pods fall into classes of different sizes', () => {
    const cpuHeavy = pods(3, { cpu: 3000, memoryMiB: 1024, labels: { tier: 'g' }, zoneGroup: 'g' });
    const memoryHeavy = pods(3, { cpu: 500, memoryMiB: 24 * 1024, labels: { tier: 'g' }, zoneGroup: 'g' });
    const other = pods(3, { cpu: 3000, memoryMiB: 1024, labels: { tier: 'h' }, zoneGroup: 'h' });
    const types = smallCatalog().map((t) => ({ ...t, offerings: t.offerings.map((o) => ({ ...o, pricePerHour: o.pricePerHour * (t.name.startsWith('r') ? (o.zone === 'zone-b' ? 0.5 : 1) : o.zone === 'zone-a' ? 0.5 : 1) })) }));
    const result = plan({ pods: [...cpuHeavy, ...memoryHeavy, ...other], instanceTypes: types });
    expectAllPlaced(result, 9);
    const zonesOf = (group: readonly Pod[]) => new Set(result.newNodeClaims.filter((c) => c.pods.some((p) => group.some((g) => `default/${g.name}` === p))).flatMap((c) => zoneOf(c) ?? []));
    expect(zonesOf([...cpuHeavy, ...memoryHeavy]).size).toBe(1);
  });

  it('the group\'s zone is one every class of it can use (the r5 pods\' types are offered in zone-b only)', () => {
    const types = smallCatalog().map((t) => (t.name.startsWith('r') ? { ...t, offerings: t.offerings.filter((o) => o.zone === 'zone-b') } : t));
    const cpuHeavy = pods(2, { cpu: 3000, memoryMiB: 1024, labels: { tier: 'g' }, zoneGroup: 'g' });
    const memoryHeavy = pods(2, { cpu: 500, memoryMiB: 12 * 1024, labels: { tier: 'g' }, zoneGroup: 'g', requiredNodeAffinity: [[{ key: Labels.instanceFamily, operator: 'In', values: ['r5'] }]] });
    const result = plan({ pods: [...cpuHeavy, ...memoryHeavy], instanceTypes: types });
    expectAllPlaced(result, 4);
    for (const claim of result.newNodeClaims) expect(zoneOf(claim)).toEqual(['zone-b']);
  });

  it('the cheapest zone per pod when no node has room (spot prices differ by zone)', () => {
    const types = [instanceType({ name: 'c5.xlarge', cpu: 4, memoryGiB: 8, price: 0.17, capacityTypes: ['spot'] })].map((t) => ({
      ...t,
      offerings: t.offerings.map((o) => ({ ...o, pricePerHour: o.zone === 'zone-b' ? 0.05 : 0.07 })),
    }));
    const pool = nodePool({ requirements: [{ key: Labels.capacityType, operator: 'In', values: ['spot'] }] });
    const result = plan({ pods: pods(3, { cpu: 3000, memoryMiB: 1024, labels: { app: 'q' }, zoneGroup: 'q' }), nodePools: [pool], instanceTypes: types });
    expectAllPlaced(result, 3);
    for (const claim of result.newNodeClaims) expect(zoneOf(claim)).toEqual(['zone-b']);
  });
});

describe('solve: pods that must follow pods planned with them into their zone', () => {
  const zoneOf = (claim: SchedulingResult['newNodeClaims'][number]) => claim.requirements.find((r) => r.key === Labels.zone)?.values;
  const xlarge = () => smallCatalog().filter((t) => t.name.endsWith('.xlarge'));
  const awaitsCache = { awaitsZoneAffinity: [{ topologyKey: Labels.zone, namespaces: ['default'], labelSelector: { matchLabels: { app: 'cache' } } }] };

  it('the cache and the web pods attracted to it are planned in the same pass, every node in one zone', () => {
    const cache = pods(2, { name: 'cache', cpu: 3000, memoryMiB: 1024, labels: { app: 'cache' } });
    const web = pods(4, { name: 'web', cpu: 3000, memoryMiB: 1024, labels: { app: 'web' }, ...awaitsCache });
    const result = plan({ pods: [...cache, ...web], instanceTypes: xlarge() });
    expectAllPlaced(result, 6);
    const zones = new Set(result.newNodeClaims.map((c) => JSON.stringify(zoneOf(c))));
    expect(zones.size).toBe(1);
    expect(zoneOf(result.newNodeClaims[0])).toHaveLength(1);
  });

  it('no node for followers whose leaders cannot be planned; they wait with AwaitingPodAffinity', () => {
    const cache = [pod({ name: 'cache-huge', cpu: 64_000, labels: { app: 'cache' } })];
    const web = pods(3, { name: 'web', cpu: 1000, memoryMiB: 1024, labels: { app: 'web' }, ...awaitsCache });
    const result = plan({ pods: [...cache, ...web], instanceTypes: xlarge() });
    expect(result.newNodeClaims).toEqual([]);
    expect(result.unplaceable.map((u) => [u.pod, u.reason])).toEqual([
      ['default/cache-huge', 'NoInstanceTypeFits'],
      ['default/web-0', 'AwaitingPodAffinity'],
      ['default/web-1', 'AwaitingPodAffinity'],
      ['default/web-2', 'AwaitingPodAffinity'],
    ]);
    // Nothing in the pass to follow at all: the same reason, a different message.
    const alone = plan({ pods: web, instanceTypes: xlarge() });
    expect(alone.newNodeClaims).toEqual([]);
    expect(alone.unplaceable[0].message).toMatch(/^no running pod, nor one planned with it/);
  });

  it('a cache that will start on an existing node (the scheduler picks which): no node for web this pass, it follows once the cache runs', () => {
    const room = existingNode({ name: 'room-in-c', zone: 'zone-c', cpu: 4, memoryGiB: 16 });
    const cache = [pod({ name: 'cache-0', cpu: 3000, memoryMiB: 1024, labels: { app: 'cache' } })];
    const web = pods(3, { name: 'web', cpu: 3000, memoryMiB: 1024, labels: { app: 'web' }, ...awaitsCache });
    const result = plan({ pods: [...cache, ...web], existingNodes: [room], instanceTypes: xlarge() });
    expect(result.placements).toEqual([{ pod: 'default/cache-0', node: 'room-in-c' }]);
    expect(result.newNodeClaims).toEqual([]);
    expect(result.unplaceable.map((u) => [u.pod, u.reason])).toEqual(web.map((w) => [`default/${w.name}`, 'AwaitingPodAffinity']));
  });

  it('leaders whose volumes pin them to different zones are not forced into one: each is planned, web next to one of them', () => {
    const inZone = (name: string, zone: string) => pod({ name, cpu: 3000, memoryMiB: 1024, labels: { app: 'cache' }, requiredNodeAffinity: [[{ key: Labels.zone, operator: 'In', values: [zone] }]] });
    const web = pods(2, { name: 'web', cpu: 3000, memoryMiB: 1024, labels: { app: 'web' }, ...awaitsCache });
    const result = plan({ pods: [inZone('cache-0', 'zone-a'), inZone('cache-1', 'zone-b'), ...web], instanceTypes: xlarge() });
    expect(result.unplaceable.filter((u) => u.pod.startsWith('default/cache'))).toEqual([]);
    const zoneOfPod = new Map(result.newNodeClaims.flatMap((c) => c.pods.map((p) => [p, zoneOf(c)] as const)));
    expect(zoneOfPod.get('default/cache-0')).toEqual(['zone-a']);
    expect(zoneOfPod.get('default/cache-1')).toEqual(['zone-b']);
    // Each web pod planned is on a node that can only be in a cache's zone, or waits.
    for (const w of web) {
      const z = zoneOfPod.get(`default/${w.name}`);
      if (z) expect(z.length === 1 && ['zone-a', 'zone-b'].includes(z[0])).toBe(true);
      else expect(result.unplaceable.find((u) => u.pod === `default/${w.name}`)?.reason).toBe('AwaitingPodAffinity');
    }
  });

  it('a group whose zone cannot be chosen (its first class fits nothing): followers on claims open to several zones wait', () => {
    const huge = pod({ name: 'cache-huge', cpu: 64_000, labels: { app: 'cache' } });
    const small = pod({ name: 'cache-small', cpu: 500, memoryMiB: 512, labels: { app: 'cache' } });
    const web = pods(2, { name: 'web', cpu: 3000, memoryMiB: 1024, labels: { app: 'web' }, ...awaitsCache });
    const result = plan({ pods: [huge, small, ...web], instanceTypes: xlarge() });
    for (const claim of result.newNodeClaims) {
      if (claim.pods.some((p) => p.startsWith('default/web'))) expect(zoneOf(claim)).toHaveLength(1);
    }
    expect(result.newNodeClaims.some((c) => c.pods.includes('default/cache-small'))).toBe(true);
  });

  it('a cache pinned to zone-b by node affinity takes its followers there', () => {
    const cache = [pod({ name: 'cache-0', cpu: 3000, memoryMiB: 1024, labels: { app: 'cache' }, requiredNodeAffinity: [[{ key: Labels.zone, operator: 'In', values: ['zone-b'] }]] })];
    const web = pods(3, { name: 'web', cpu: 3000, memoryMiB: 1024, labels: { app: 'web' }, ...awaitsCache });
    const result = plan({ pods: [...cache, ...web], instanceTypes: xlarge() });
    expectAllPlaced(result, 4);
    for (const claim of result.newNodeClaims) expect(zoneOf(claim)).toEqual(['zone-b']);
    // Without the link, the web pods' nodes could be anywhere.
    const apart = plan({ pods: [...cache, ...pods(3, { name: 'web2', cpu: 3000, memoryMiB: 1024, labels: { app: 'web' } })], instanceTypes: xlarge() });
    expect(apart.newNodeClaims.some((c) => JSON.stringify(zoneOf(c)) !== JSON.stringify(['zone-b']))).toBe(true);
  });

  it('a pool limit that stops the cache stops its followers too (no stray node)', () => {
    const cache = [pod({ name: 'cache-0', cpu: 3000, memoryMiB: 1024, labels: { app: 'cache' } })];
    const web = pods(2, { name: 'web', cpu: 500, memoryMiB: 512, labels: { app: 'web' }, ...awaitsCache });
    // The cache class is the largest: with room for one 2-vCPU node only, web alone would fit.
    const result = plan({ pods: [...cache, ...web], nodePools: [nodePool({ limits: { milliCpu: 2000 } })], instanceTypes: smallCatalog() });
    expect(result.unplaceable).toEqual([
      { pod: 'default/cache-0', reason: 'NodePoolLimitReached', message: 'every compatible node pool is at its limits' },
      ...['default/web-0', 'default/web-1'].map((p) => ({ pod: p, reason: 'AwaitingPodAffinity', message: 'waits for the pods its required pod affinity follows: they could not be planned in one zone with it, or will start on a node that exists' })),
    ]);
    expect(result.newNodeClaims).toEqual([]);
  });
});

describe('solve: a group that must share one node (it attracts itself on the hostname key, none running yet)', () => {
  it('the whole group on one new node, the cheapest type that holds it all', () => {
    const group = pods(4, { name: 'q', cpu: 3000, memoryMiB: 1024, labels: { app: 'q' }, nodeGroup: 'g' });
    const result = plan({ pods: group });
    expectAllPlaced(result, 4);
    expect(result.newNodeClaims).toHaveLength(1);
    expect(result.newNodeClaims[0].instanceType).toBe('m5.4xlarge');
    // Without the mark the same pods are spread over smaller nodes.
    expect(plan({ pods: pods(4, { cpu: 3000, memoryMiB: 1024, labels: { app: 'q' } }) }).newNodeClaims.length).toBeGreaterThan(1);
  });

  it('an existing node with room for all of it takes it; one with room for part of it does not', () => {
    const part = existingNode({ name: 'part', cpu: 8, memoryGiB: 32 });
    const all = existingNode({ name: 'all', cpu: 16, memoryGiB: 64 });
    const group = pods(3, { name: 'q', cpu: 3000, memoryMiB: 1024, labels: { app: 'q' }, nodeGroup: 'g' });
    const result = plan({ pods: group, existingNodes: [part, all] });
    expect(result.newNodeClaims).toEqual([]);
    expect(new Set(result.placements.map((p) => p.node))).toEqual(new Set(['all']));
  });

  it('no node holds it all: none of it is planned, and it says why', () => {
    const group = pods(3, { name: 'q', cpu: 3000, memoryMiB: 1024, labels: { app: 'q' }, nodeGroup: 'g' });
    const result = plan({ pods: group, instanceTypes: smallCatalog().filter((t) => t.name.endsWith('.xlarge')) });
    expect(result.newNodeClaims).toEqual([]);
    expect(result.unplaceable.map((u) => u.reason)).toEqual(['ConstraintUnsatisfiable', 'ConstraintUnsatisfiable', 'ConstraintUnsatisfiable']);
    expect(result.unplaceable[0].message).toBe('its required pod affinity on kubernetes.io/hostname puts its group (3 pods) on one node, and no node holds them all');
  });
});

describe('solve: volume attach limits (a node attaches so many volumes per CSI driver)', () => {
  const ebs = (...ids: string[]) => ids.map((id) => ({ driver: 'ebs.csi.aws.com', id }));
  const bound = (name: string, volumes: ReturnType<typeof ebs>) => pod({ name, cpu: 100, memoryMiB: 128, attachedVolumes: volumes });

  it('an existing node at its EBS count takes no pod with an EBS volume however much CPU it has; one with room does', () => {
    const full = existingNode({ name: 'full', cpu: 16, memoryGiB: 64, volumeLimits: { 'ebs.csi.aws.com': 2 }, pods: [bound('a', ebs('vol-1')), bound('b', ebs('vol-2'))] });
    const waiting = pod({ name: 'db-0', cpu: 500, memoryMiB: 512, attachedVolumes: ebs('vol-new') });
    const result = plan({ pods: [waiting], existingNodes: [full] });
    expect(result.placements).toEqual([]);
    expect(result.newNodeClaims.map((c) => c.pods)).toEqual([['default/db-0']]);
    // One more slot: it stays on the node.
    const roomy = { ...full, volumeLimits: { 'ebs.csi.aws.com': 3 } };
    expect(plan({ pods: [waiting], existingNodes: [roomy] }).placements).toEqual([{ pod: 'default/db-0', node: 'full' }]);
    // A pod without volumes, or with another driver's (no limit reported), still fits on the full node.
    const other = pod({ name: 'web-0', cpu: 500, memoryMiB: 512, attachedVolumes: [{ driver: 'efs.csi.aws.com', id: 'fs-1' }] });
    expect(plan({ pods: [other], existingNodes: [full] }).placements).toEqual([{ pod: 'default/web-0', node: 'full' }]);
  });

  it('a volume two bound pods share counts once against the node', () => {
    const node = existingNode({ name: 'n', cpu: 16, memoryGiB: 64, volumeLimits: { 'ebs.csi.aws.com': 2 }, pods: [bound('a', ebs('vol-1')), bound('b', ebs('vol-1'))] });
    const result = plan({ pods: [pod({ name: 'db-0', attachedVolumes: ebs('vol-new') })], existingNodes: [node] });
    expect(result.placements).toEqual([{ pod: 'default/db-0', node: 'n' }]);
  });

  it('new nodes take at most the new-node count: five one-volume pods on nodes of two need three nodes', () => {
    const sts = Array.from({ length: 5 }, (_, i) => pod({ name: `db-${i}`, cpu: 100, memoryMiB: 128, attachedVolumes: ebs(`claim:default/data-db-${i}`) }));
    const limited = plan({ pods: sts, newNodeVolumeLimits: { 'ebs.csi.aws.com': 2 } });
    expectAllPlaced(limited, 5);
    expect(limited.newNodeClaims.map((c) => c.pods.length).sort()).toEqual([1, 2, 2]);
    expect(plan({ pods: sts }).newNodeClaims).toHaveLength(1);
    // More volumes than any node attaches: said so.
    const greedy = plan({ pods: [pod({ name: 'greedy', attachedVolumes: ebs('v1', 'v2', 'v3') })], newNodeVolumeLimits: { 'ebs.csi.aws.com': 2 } });
    expect(greedy.newNodeClaims).toEqual([]);
    expect(greedy.unplaceable).toEqual([{ pod: 'default/greedy', reason: 'NoInstanceTypeFits', message: 'it attaches 3 ebs.csi.aws.com volumes; a node attaches at most 2' }]);
  });
});

describe('solve: host ports (a node runs one pod per bound port)', () => {
  const http = [{ protocol: 'TCP' as const, port: 80, ip: '0.0.0.0' }];
  const ingress = (n: number) => pods(n, { name: 'ingress', cpu: 250, memoryMiB: 256, hostPorts: http });

  it('pods binding one port get a node each, however much room a node has; pods without ports fill in around them', () => {
    const result = plan({ pods: [...ingress(3), ...pods(4, { name: 'web', cpu: 250, memoryMiB: 256 })] });
    expectAllPlaced(result, 7);
    expect(result.newNodeClaims).toHaveLength(3);
    for (const claim of result.newNodeClaims) expect(claim.pods.filter((p) => p.startsWith('default/ingress-'))).toHaveLength(1);
    // Without the ports, one small node holds them all.
    expect(plan({ pods: pods(3, { name: 'ingress', cpu: 250, memoryMiB: 256 }) }).newNodeClaims).toHaveLength(1);
  });

  it('an existing node whose pod holds the port takes none, however much CPU it has; another port or address fits', () => {
    const holder = pod({ name: 'old-ingress', nodeName: 'n1', cpu: 100, memoryMiB: 128, hostPorts: http });
    const n1 = existingNode({ name: 'n1', cpu: 16, memoryGiB: 64, pods: [holder] });
    const result = plan({ pods: ingress(1), existingNodes: [n1] });
    expect(result.placements).toEqual([]);
    expect(result.newNodeClaims.map((c) => c.pods)).toEqual([['default/ingress-0']]);
    const other = pod({ name: 'metrics', hostPorts: [{ protocol: 'TCP', port: 9100, ip: '0.0.0.0' }] });
    const udp = pod({ name: 'dns', hostPorts: [{ protocol: 'UDP', port: 80, ip: '0.0.0.0' }] });
    const elsewhere = pod({ name: 'bound-ip', hostPorts: [{ protocol: 'TCP', port: 80, ip: '10.0.0.9' }] });
    expect(plan({ pods: [other, udp], existingNodes: [n1] }).placements.map((p) => p.node)).toEqual(['n1', 'n1']);
    // One address against the holder's every-address binding still collides.
    expect(plan({ pods: [elsewhere], existingNodes: [n1] }).placements).toEqual([]);
  });

  it('other pods fill the nodes that port-binding pods need instead of buying more', () => {
    const result = plan({ pods: [...ingress(3), ...pods(4, { name: 'web', cpu: 500, memoryMiB: 512 })] });
    expectAllPlaced(result, 7);
    expect(typesOf(result)).toEqual(['m6g.large', 'm6g.large', 'm6g.large']);
  });

  it('two classes that bind the same port do not share a node', () => {
    const a = pods(1, { name: 'a', labels: { app: 'a' }, hostPorts: http });
    const b = pods(1, { name: 'b', labels: { app: 'b' }, cpu: 600, hostPorts: http });
    const result = plan({ pods: [...a, ...b] });
    expectAllPlaced(result, 2);
    expect(result.newNodeClaims).toHaveLength(2);
  });

  it('a hostname group that binds a port cannot be one node: not planned, and said why', () => {
    const result = plan({ pods: pods(2, { name: 'g', hostPorts: http, nodeGroup: 'default/g' }) });
    expect(result.newNodeClaims).toEqual([]);
    expect(result.unplaceable.map((u) => u.reason)).toEqual(['ConstraintUnsatisfiable', 'ConstraintUnsatisfiable']);
  });

  it('the type chosen for a port-binding pod is the cheapest that holds one, not the best price per pod', () => {
    const result = plan({ pods: ingress(2) });
    expect(typesOf(result)).toEqual(['m6g.large', 'm6g.large']);
  });
});

describe('solve: host ports DaemonSets take on new nodes (InstanceType.daemonSetHostPorts)', () => {
  const port = (n: number) => ({ protocol: 'TCP' as const, port: n, ip: '0.0.0.0' });
  // An arm64-only DaemonSet binds 5555 on every arm node; m6g is the cheapest type.
  const armTaken = () => smallCatalog().map((t) => (t.arch === 'arm64' ? { ...t, daemonSetHostPorts: [port(5555)] } : t));

  it('a pod binding a port a DaemonSet takes on a type never gets that type, not even among a claim’s options', () => {
    const result = plan({ pods: pods(2, { name: 'agent', hostPorts: [port(5555)] }), instanceTypes: armTaken() });
    expectAllPlaced(result, 2);
    for (const claim of result.newNodeClaims) {
      expect(claim.instanceType).toBe('c5.large');
      for (const option of claim.instanceTypeOptions) expect(option.instanceType).not.toMatch(/^m6g/);
    }
    // Another port, or no port: the cheapest (arm) type as usual.
    expect(typesOf(plan({ pods: [pod({ hostPorts: [port(8080)] })], instanceTypes: armTaken() }))).toEqual(['m6g.large']);
  });

  it('other pods that share a node with it do not pull it onto such a type when the node is re-typed', () => {
    const result = plan({ pods: [pod({ name: 'agent', hostPorts: [port(5555)] }), ...pods(3, { name: 'web', cpu: 300, memoryMiB: 256 })], instanceTypes: armTaken() });
    expectAllPlaced(result, 4);
    const withAgent = result.newNodeClaims.find((c) => c.pods.includes('default/agent'))!;
    expect(withAgent.instanceTypeOptions.map((o) => o.instanceType).filter((t) => t.startsWith('m6g'))).toEqual([]);
  });

  it('a cheaper, larger type whose DaemonSets take the port does not hide the type that can hold it', () => {
    // m6g.large is cheaper and as large as m5.large: without the port it prunes m5.large from the candidates.
    const two = [instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096 }), { ...instanceType({ name: 'm6g.large', cpu: 2, memoryGiB: 8, price: 0.077, arch: 'arm64' }), daemonSetHostPorts: [port(5555)] }];
    const result = plan({ pods: [pod({ name: 'agent', hostPorts: [port(5555)] })], instanceTypes: two });
    expect(result.unplaceable).toEqual([]);
    expect(typesOf(result)).toEqual(['m5.large']);
  });

  it('a port every compatible type’s DaemonSets take: not planned, and said which', () => {
    const everywhere = smallCatalog().map((t) => ({ ...t, daemonSetHostPorts: [port(9100)] }));
    const result = plan({ pods: [pod({ name: 'exporter', hostPorts: [port(9100)] })], instanceTypes: everywhere });
    expect(result.newNodeClaims).toEqual([]);
    expect(result.unplaceable).toEqual([{ pod: 'default/exporter', reason: 'ConstraintUnsatisfiable', message: 'it binds host port TCP/0.0.0.0/9100, which a DaemonSet binds on every new node it could run on' }]);
  });

  it('a node still launching holds the ports its DaemonSets will bind', () => {
    const launching = existingNode({ name: 'claim-x', cpu: 4, memoryGiB: 16, initialized: false, daemonSetHostPorts: [port(9100)] });
    expect(plan({ pods: [pod({ name: 'p', hostPorts: [port(9100)] })], existingNodes: [launching] }).placements).toEqual([]);
    expect(plan({ pods: [pod({ name: 'q', hostPorts: [port(9200)] })], existingNodes: [launching] }).placements).toEqual([{ pod: 'default/q', node: 'claim-x' }]);
  });
});

describe('solve: local ephemeral storage (a node offers so much; ExistingNode / InstanceType.ephemeralStorage)', () => {
  const GI = 1024 ** 3;
  const withDisk = (gi: number) => smallCatalog().map((t) => ({ ...t, ephemeralStorage: gi * GI }));

  it('new nodes take pods up to their ephemeral storage: five 8 GiB pods on 17 GiB nodes need three nodes', () => {
    const jobs = pods(5, { name: 'ci', cpu: 100, memoryMiB: 128, ephemeralStorage: 8 * GI });
    const result = plan({ pods: jobs, instanceTypes: withDisk(17) });
    expectAllPlaced(result, 5);
    expect(result.newNodeClaims.map((c) => c.pods.length).sort()).toEqual([1, 2, 2]);
    // Where the cloud does not say, it is not counted: one node.
    expect(plan({ pods: jobs }).newNodeClaims).toHaveLength(1);
  });

  it('an existing node with room in CPU but not on disk takes no such pod; pods without the request still fit', () => {
    const node = existingNode({ name: 'n1', cpu: 16, memoryGiB: 64, ephemeralStorage: 17 * GI, pods: [pod({ name: 'old', nodeName: 'n1', ephemeralStorage: 10 * GI })] });
    const result = plan({ pods: [pod({ name: 'big', ephemeralStorage: 8 * GI })], existingNodes: [node], instanceTypes: withDisk(17) });
    expect(result.placements).toEqual([]);
    expect(result.newNodeClaims.map((c) => c.pods)).toEqual([['default/big']]);
    expect(plan({ pods: [pod({ name: 'small', ephemeralStorage: 7 * GI }), pod({ name: 'none' })], existingNodes: [node] }).placements.map((p) => p.node)).toEqual(['n1', 'n1']);
  });

  it('a node is never re-typed or offered as a type with less disk than its pods ask', () => {
    const mixed = smallCatalog().map((t) => ({ ...t, ephemeralStorage: (t.name === 'c5.large' ? 17 : 50) * GI }));
    const result = plan({ pods: [pod({ name: 'scratch', cpu: 200, memoryMiB: 256, ephemeralStorage: 30 * GI })], instanceTypes: mixed });
    expect(result.newNodeClaims).toHaveLength(1);
    expect(result.newNodeClaims[0].instanceTypeOptions.map((o) => o.instanceType)).not.toContain('c5.large');
  });

  it('a cheaper, larger type with less disk does not hide the type with enough', () => {
    const two = [instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096 }), instanceType({ name: 'm6g.large', cpu: 2, memoryGiB: 8, price: 0.077, arch: 'arm64' })];
    const result = plan({ pods: [pod({ name: 'scratch', ephemeralStorage: 30 * GI })], instanceTypes: [{ ...two[0], ephemeralStorage: 50 * GI }, { ...two[1], ephemeralStorage: 10 * GI }] });
    expect(result.unplaceable).toEqual([]);
    expect(typesOf(result)).toEqual(['m5.large']);
  });

  it('more than any new node offers: not planned, and said so with the numbers', () => {
    const result = plan({ pods: [pod({ name: 'huge-scratch', ephemeralStorage: 100 * GI })], instanceTypes: withDisk(17) });
    expect(result.newNodeClaims).toEqual([]);
    expect(result.unplaceable).toEqual([{ pod: 'default/huge-scratch', reason: 'NoInstanceTypeFits', message: 'it requests 100Gi of ephemeral-storage; a new node offers at most 17Gi' }]);
  });
});

describe('solve: extended resources (devices, pod ENIs, huge pages; ADR 116)', () => {
  const FUSE = 'smarter-devices/fuse';
  const mounting = (n: number, each = 1) => pods(n, { name: 'mounter', cpu: 100, memoryMiB: 128, extendedResources: { [FUSE]: each } });

  it('an existing node without the resource, or without enough left, takes no such pod however much CPU it has', () => {
    const plain = existingNode({ name: 'plain', cpu: 16, memoryGiB: 64, extendedResources: {} });
    const busy = existingNode({ name: 'busy', cpu: 16, memoryGiB: 64, extendedResources: { [FUSE]: 2 }, pods: [pod({ name: 'old', nodeName: 'busy', extendedResources: { [FUSE]: 2 } })] });
    const roomy = existingNode({ name: 'roomy', cpu: 16, memoryGiB: 64, extendedResources: { [FUSE]: 4 } });
    expect(plan({ pods: mounting(1), existingNodes: [plain, busy] }).placements).toEqual([]);
    expect(plan({ pods: mounting(3), existingNodes: [plain, busy, roomy] }).placements.map((p) => p.node)).toEqual(['roomy', 'roomy', 'roomy']);
    // A pod without the request is not affected.
    expect(plan({ pods: [pod({ name: 'web' })], existingNodes: [plain] }).placements).toEqual([{ pod: 'default/web', node: 'plain' }]);
  });

  it('new nodes offer what the pool’s nodes of that type advertise: five pods of one device on nodes of two need three nodes', () => {
    // One m5.large runs and advertises 2, full; new nodes of the pool are m5.large or learn the same.
    const running = existingNode({ name: 'n1', instanceType: 'm5.large', cpu: 2, memoryGiB: 8, extendedResources: { [FUSE]: 2 }, pods: [pod({ name: 'old', nodeName: 'n1', cpu: 100, extendedResources: { [FUSE]: 2 } })] });
    const result = plan({ pods: mounting(5), existingNodes: [running], instanceTypes: [instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096 }), instanceType({ name: 'm5.xlarge', cpu: 4, memoryGiB: 16, price: 0.192 })] });
    expectAllPlaced(result, 5);
    expect(result.newNodeClaims.map((c) => c.pods.length).sort()).toEqual([1, 2, 2]);
  });

  it('a pool with nodes none of which advertise it: not planned, and said why; a pool with no node yet: planned', () => {
    const running = existingNode({ name: 'n1', instanceType: 'm5.large', extendedResources: {} });
    const none = plan({ pods: mounting(1), existingNodes: [running] });
    expect(none.newNodeClaims).toEqual([]);
    expect(none.unplaceable[0]).toMatchObject({ reason: 'NoInstanceTypeFits', message: expect.stringContaining(`it requests 1 ${FUSE}`) });
    expect(plan({ pods: mounting(1) }).newNodeClaims).toHaveLength(1);
  });

  it('a node still launching takes what its pool’s nodes of its type advertise', () => {
    const running = existingNode({ name: 'n1', instanceType: 'm5.xlarge', extendedResources: { [FUSE]: 2 }, pods: [pod({ name: 'old', nodeName: 'n1', cpu: 100, extendedResources: { [FUSE]: 2 } })] });
    const launching = existingNode({ name: 'claim-x', instanceType: 'm5.xlarge', initialized: false });
    const result = plan({ pods: mounting(3), existingNodes: [running, launching] });
    expect(result.placements.map((p) => p.node)).toEqual(['claim-x', 'claim-x']);
    expect(result.newNodeClaims.flatMap((c) => c.pods)).toHaveLength(1);
    // Nothing to learn from (no node of the pool advertises): the launching node is not counted.
    expect(plan({ pods: mounting(3), existingNodes: [launching] }).placements).toHaveLength(3);
  });

  it('nodes not in the plan (taken away by a disruption plan, gone lately) still teach: no replacement bought on faith', () => {
    const gone = [{ nodePool: 'default', instanceType: 'm5.large', extendedResources: {} }];
    const none = plan({ pods: mounting(1), advertisingNodes: gone });
    expect(none.newNodeClaims).toEqual([]);
    expect(none.unplaceable[0].reason).toBe('NoInstanceTypeFits');
    expect(plan({ pods: mounting(1), advertisingNodes: [{ nodePool: 'default', instanceType: 'm5.large', extendedResources: { [FUSE]: 2 } }] }).newNodeClaims).toHaveLength(1);
  });

  it('a cheaper type the pool’s nodes show without it does not hide the type that has it', () => {
    // c5.large (cheaper) runs without the device; m5.large runs with it.
    const nodes = [existingNode({ name: 'c', instanceType: 'c5.large', extendedResources: {} }), existingNode({ name: 'm', instanceType: 'm5.large', cpu: 2, memoryGiB: 8, extendedResources: { [FUSE]: 1 }, pods: [pod({ name: 'old', nodeName: 'm', cpu: 100, extendedResources: { [FUSE]: 1 } })] })];
    const types = [instanceType({ name: 'c5.large', cpu: 2, memoryGiB: 8, price: 0.085 }), instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096 })];
    const result = plan({ pods: mounting(1), existingNodes: nodes, instanceTypes: types });
    expect(result.unplaceable).toEqual([]);
    expect(typesOf(result)).toEqual(['m5.large']);
    expect(result.newNodeClaims[0].instanceTypeOptions.map((o) => o.instanceType)).toEqual(['m5.large']);
  });
});

describe('solve: node pools', () => {
  it.each([
    [{ nodes: 2 }, 2],
    [{ milliCpu: 8000 }, 4],
  ])('limits %j are never exceeded; the rest is NodePoolLimitReached', (limits, maxNodes) => {
    const labels = { app: 'db' };
    const result = plan({
      pods: pods(6, { labels, antiAffinity: [{ topologyKey: Labels.hostname, labelSelector: labels }] }),
      nodePools: [nodePool({ limits })],
      instanceTypes: smallCatalog().filter((t) => t.name === 'm5.large'),
    });
    expect(result.newNodeClaims).toHaveLength(maxNodes);
    expect(result.unplaceable).toHaveLength(6 - maxNodes);
    expect(result.unplaceable.every((u) => u.reason === 'NodePoolLimitReached')).toBe(true);
  });

  it('counts existing nodes against the limit', () => {
    const result = plan({ pods: [pod({ cpu: 3000 })], existingNodes: [existingNode({ cpu: 1, nodePool: 'default' })], nodePools: [nodePool({ limits: { nodes: 1 } })] });
    expect(result.unplaceable[0].reason).toBe('NodePoolLimitReached');
  });

  it('prefers the pool with the higher weight even when it is dearer', () => {
    const pools = [nodePool({ name: 'cheap', weight: 1 }), nodePool({ name: 'reserved', weight: 50, requirements: [{ key: Labels.instanceFamily, operator: 'In', values: ['m5'] }] })];
    const result = plan({ pods: [pod()], nodePools: pools });
    expect(result.newNodeClaims[0].nodePool).toBe('reserved');
  });

  it('falls over to the next pool when the preferred one is full', () => {
    const pools = [nodePool({ name: 'small', weight: 50, limits: { nodes: 1 } }), nodePool({ name: 'overflow', weight: 1 })];
    const labels = { app: 'x' };
    const result = plan({ pods: pods(2, { labels, antiAffinity: [{ topologyKey: Labels.hostname, labelSelector: labels }] }), nodePools: pools });
    expect(result.newNodeClaims.map((c) => c.nodePool).sort()).toEqual(['overflow', 'small']);
  });

  it('puts pool labels on nodes so pods can select them', () => {
    const pools = [nodePool({ name: 'plain' }), nodePool({ name: 'team', labels: { team: 'a' } })];
    const result = plan({ pods: [pod({ nodeSelector: { team: 'a' } })], nodePools: pools });
    expect(result.newNodeClaims[0].nodePool).toBe('team');
  });
});

describe('solve: claims', () => {
  it('lists alternatives cheapest first, each able to hold the pods, the chosen one first', () => {
    const result = plan({ pods: [pod({ cpu: 1500, memoryMiB: 2048 })] });
    const options = result.newNodeClaims[0].instanceTypeOptions;
    expect(options[0].instanceType).toBe(result.newNodeClaims[0].instanceType);
    const prices = options.map((o) => o.offering.pricePerHour);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    expect(options.length).toBeGreaterThan(3);
    expect(result.newNodeClaims[0].requirements).toContainEqual({ key: Labels.instanceType, operator: 'In', values: options.map((o) => o.instanceType) });
  });

  it('avoids excluded offerings (recent insufficient capacity)', () => {
    const excluded = new Set(['m6g.large/zone-a/on-demand', 'm6g.large/zone-b/on-demand', 'm6g.large/zone-c/on-demand']);
    const result = plan({ pods: [pod()], excludedOfferings: excluded });
    expect(result.newNodeClaims[0].instanceType).not.toBe('m6g.large');
  });

  it.each([Number.NaN, -1, 0.5, Infinity])('a pod with a cpu request of %s is InvalidPod, and the rest is planned', (cpu) => {
    const bad = { ...pod({ name: 'bad' }), requests: { milliCpu: cpu, memoryBytes: 0, pods: 1, gpus: 0 } };
    const result = plan({ pods: [bad, pod({ name: 'good' })] });
    expect(result.unplaceable).toEqual([expect.objectContaining({ pod: 'default/bad', reason: 'InvalidPod' })]);
    expect(result.newNodeClaims.flatMap((c) => c.pods)).toEqual(['default/good']);
  });

  it('is deterministic', () => {
    const make = () => [...pods(20, { name: 'a', cpu: 300 }), ...pods(10, { name: 'b', cpu: 1200, memoryMiB: 6000 })];
    expect(plan({ pods: make() })).toEqual(plan({ pods: make() }));
  });
});

describe("solve: a pool's own view of the instance types", () => {
  // One small type whose pod limit is what a node takes: 17 by the ENI limit, 110 with the node
  // class's kubelet maxPods (the EC2 provider's instanceTypesForPool).
  const eni = instanceType({ name: 'm5.large', cpu: 2, memoryGiB: 8, price: 0.096, pods: 17 });
  const dense = { ...eni, capacity: { ...eni.capacity, pods: 110 }, allocatable: { ...eni.allocatable, pods: 110 } };
  const tiny = () => pods(60, { cpu: 10, memoryMiB: 32 });

  it("plans a pool's new nodes with its own types when it has them, others with the shared ones", () => {
    const shared = solve({ pods: tiny(), existingNodes: [], nodePools: [nodePool()], instanceTypes: [eni] });
    expect(shared.newNodeClaims).toHaveLength(4); // 60 pods at 17 a node
    const own = solve({ pods: tiny(), existingNodes: [], nodePools: [nodePool()], instanceTypes: [eni], instanceTypesByPool: new Map([['default', [dense]]]) });
    expect(own.newNodeClaims).toHaveLength(1);
    expect(own.unplaceable).toEqual([]);
    // An entry for another pool changes nothing for this one.
    const other = solve({ pods: tiny(), existingNodes: [], nodePools: [nodePool()], instanceTypes: [eni], instanceTypesByPool: new Map([['other', [dense]]]) });
    expect(other.newNodeClaims).toHaveLength(4);
  });
});
