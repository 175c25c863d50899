import { describe, expect, it } from 'vitest';
import { nodeClaimView } from '../../../plugin/cluster/node-claims.js';
import { nodeRows, podRequests } from '../../../plugin/cluster/node-view.js';
import { nodeColumns } from '../../../plugin/commands/nodes.js';
import { renderTable } from '../../../plugin/render/table.js';
import { node, nodeClaim, NOW, pod } from '../builders.js';

function rows() {
  const warnings: string[] = [];
  const nodes = [node('n1', { cpu: '2', memory: '8Gi', pods: '29' }), node('static-1', { cpu: '4', memory: '16Gi', pods: '110' }, { 'node.kubernetes.io/instance-type': 'm5.xlarge' })];
  const pods = [pod('a', 'n1', { cpu: '500m', memory: '1Gi' }), pod('b', 'n1', { cpu: '1', memory: '2Gi' }), pod('done', 'n1', { cpu: '1' }, 'Succeeded'), pod('pending', undefined, { cpu: '1' }), pod('c', 'static-1', { cpu: '1' })];
  const claims = [nodeClaim('default-a', { node: 'n1', ready: true }), nodeClaim('default-b', { type: 'c6i.xlarge', price: '0.17', predicted: true })].map(nodeClaimView);
  return { rows: nodeRows(nodes, pods, claims, warnings), warnings };
}

describe('nodes', () => {
  it('joins Nodes with their claims and sums requests of running pods', () => {
    const { rows: r, warnings } = rows();
    expect(warnings).toEqual([]);
    const n1 = r.find((x) => x.node === 'n1')!;
    expect(n1).toMatchObject({ nodeClaim: 'default-a', nodePool: 'default', pods: 2, cpuUtilization: 0.75, memoryUtilization: 0.375 });
    expect(r.find((x) => x.nodeClaim === 'default-b')).toMatchObject({ node: '-', state: 'Launched', predicted: true });
    expect(r.find((x) => x.node === 'static-1')).toMatchObject({ nodeClaim: undefined, instanceType: 'm5.xlarge', cpuUtilization: 0.25 });
  });

  it('a NotReady node says for how long; a node being repaired says so, and why', () => {
    const down = node('n2', { cpu: '2', memory: '8Gi', pods: '29' });
    down.status.conditions = [{ type: 'Ready', status: 'Unknown', lastTransitionTime: new Date((NOW - 12 * 60) * 1000).toISOString() }];
    const repaired = nodeClaim('default-r', { node: 'n3', ready: true });
    repaired.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    repaired.metadata.annotations = { 'smartscale.io/repair': 'node n3 has been unreachable (Ready Unknown) for 31 min' };
    const nodes = [down, node('n3', { cpu: '2', memory: '8Gi', pods: '29' })];
    const r = nodeRows(nodes, [], [nodeClaim('default-d', { node: 'n2', ready: true }), repaired].map(nodeClaimView), []);
    expect(r.find((x) => x.node === 'n2')).toMatchObject({ state: 'NotReady', notReadySince: down.status.conditions[0].lastTransitionTime });
    expect(r.find((x) => x.node === 'n3')).toMatchObject({ state: 'Repairing', repair: expect.stringContaining('31 min') });
    const table = renderTable(nodeColumns(NOW), r, false);
    expect(table).toMatch(/n2 .* NotReady 12m/);
    expect(table).toMatch(/n3 .* Repairing/);
    // A mark on a claim not being deleted is a repair that did not go through: not shown as one.
    const live = nodeClaim('default-r', { node: 'n3', ready: true });
    live.metadata.annotations = repaired.metadata.annotations;
    expect(nodeRows(nodes, [], [nodeClaimView(live)], []).find((x) => x.node === 'n3')).toMatchObject({ state: 'Ready' });
    // The duration is for NotReady only (a cordoned node that is also not Ready says Cordoned).
    down.spec = { unschedulable: true };
    expect(renderTable(nodeColumns(NOW), nodeRows([down], [], [], []), false)).toMatch(/n2 .* Cordoned {2,}/);
  });

  it('a node whose claim the cloud marked Drifted says so, and why; not once it is being deleted', () => {
    const drifted = nodeClaim('default-d', { node: 'n1', ready: true });
    drifted.status.conditions.push({ type: 'Drifted', status: 'True', reason: 'ImageDrift', message: 'runs ami-1; the node class now selects ami-2' } as never);
    const nodes = [node('n1', { cpu: '2', memory: '8Gi', pods: '29' })];
    const row = nodeRows(nodes, [], [nodeClaimView(drifted)], []).find((x) => x.node === 'n1');
    expect(row).toMatchObject({ state: 'Drifted', drifted: 'ImageDrift: the instance runs ami-1; the node class now selects ami-2' });
    expect(renderTable(nodeColumns(NOW), [row!], false)).toMatch(/n1 .* Drifted/);
    // A False condition (or none) is no drift.
    drifted.status.conditions[drifted.status.conditions.length - 1].status = 'False';
    expect(nodeRows(nodes, [], [nodeClaimView(drifted)], [])[0]).toMatchObject({ state: 'Ready' });
    expect(nodeRows(nodes, [], [nodeClaimView(drifted)], [])[0].drifted).toBeUndefined();
    // A change the cloud scheduled for the instance is shown the same way.
    drifted.metadata.annotations = { 'smartscale.io/scheduled-change': 'ScheduledChange: AWS Health AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED at 2026-12-18T09:00:00.000Z' };
    expect(nodeRows(nodes, [], [nodeClaimView(drifted)], [])[0]).toMatchObject({ state: 'Drifted', drifted: expect.stringContaining('RETIREMENT_SCHEDULED at 2026-12-18') });
    drifted.metadata.annotations = {};
    drifted.status.conditions[drifted.status.conditions.length - 1].status = 'True';
    drifted.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    expect(nodeRows(nodes, [], [nodeClaimView(drifted)], [])[0]).toMatchObject({ state: 'Deleting' });
    expect(nodeRows(nodes, [], [nodeClaimView(drifted)], [])[0].drifted).toBeUndefined();
  });

  it("a Ready node a problem detector reports unhealthy says so, since when, and when node repair replaces it; only the conditions node repair reads", () => {
    const sick = node('n1', { cpu: '2', memory: '8Gi', pods: '29' });
    const since = new Date((NOW - 12 * 60) * 1000).toISOString();
    sick.status.conditions.push({ type: 'KernelReady', status: 'False', reason: 'KernelHasIssues', message: 'kernel oops', lastTransitionTime: since });
    sick.status.conditions.push({ type: 'MemoryPressure', status: 'False' });
    const row = nodeRows([sick], [], [nodeClaimView(nodeClaim('default-k', { node: 'n1', ready: true }))], [])[0];
    expect(row).toMatchObject({ state: 'Unhealthy', unhealthy: { condition: 'KernelReady=False (KernelHasIssues: kernel oops)', since, repairAfterMs: 30 * 60_000 } });
    expect(renderTable(nodeColumns(NOW), [row], false)).toMatch(/n1 .* Unhealthy 12m/);
    // Not a condition node repair reads (an empty list: Ready only): Ready.
    expect(nodeRows([sick], [], [], [], [])[0]).toMatchObject({ state: 'Ready' });
    expect(nodeRows([sick], [], [], [], [])[0].unhealthy).toBeUndefined();
    // A healthy value of the same condition is no problem.
    sick.status.conditions[1].status = 'True';
    expect(nodeRows([sick], [], [], [])[0]).toMatchObject({ state: 'Ready' });
  });

  it('a node drained ahead of an interruption says so, and what the cloud said', () => {
    const claim = nodeClaim('default-s', { node: 'n1', ready: true });
    claim.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
    claim.metadata.annotations = { 'smartscale.io/interrupted': 'SpotInterruption: spot instance terminate in two minutes' };
    const nodes = [node('n1', { cpu: '2', memory: '8Gi', pods: '29' })];
    const row = nodeRows(nodes, [], [nodeClaimView(claim)], [])[0];
    expect(row).toMatchObject({ state: 'Interrupted', interrupted: 'SpotInterruption: spot instance terminate in two minutes' });
    expect(renderTable(nodeColumns(NOW), [row], false)).toMatch(/n1 .* Interrupted/);
    // The Node gone already: the claim's row says it.
    expect(nodeRows([], [], [nodeClaimView(claim)], [])[0]).toMatchObject({ node: 'n1', state: 'Interrupted' });
    // With when the instance goes (ADR 100's hand-off), that too.
    claim.metadata.annotations['smartscale.io/terminates-at'] = '2026-01-01T00:02:00Z';
    expect(nodeRows(nodes, [], [nodeClaimView(claim)], [])[0]).toMatchObject({ interrupted: 'SpotInterruption: spot instance terminate in two minutes; the instance goes at 2026-01-01T00:02:00.000Z' });
    claim.metadata.annotations['smartscale.io/terminates-at'] = 'soon';
    expect(nodeRows(nodes, [], [nodeClaimView(claim)], [])[0]).toMatchObject({ interrupted: 'SpotInterruption: spot instance terminate in two minutes' });
    // A mark on a live claim (a deletion that did not go through) is not shown as one.
    delete claim.metadata.deletionTimestamp;
    expect(nodeRows(nodes, [], [nodeClaimView(claim)], [])[0]).toMatchObject({ state: 'Ready' });
  });

  it('table (snapshot)', () => {
    expect(renderTable(nodeColumns(NOW), rows().rows, false)).toMatchSnapshot();
    expect(renderTable(nodeColumns(NOW), rows().rows, true)).toMatchSnapshot();
  });

  it('counts effective pod requests: max(containers, init) plus overhead; bad quantities warn', () => {
    const warnings: string[] = [];
    const p = { metadata: { name: 'p', namespace: 'x' }, spec: { containers: [{ resources: { requests: { cpu: '100m' } } }, { resources: { requests: { cpu: '100m' } } }], initContainers: [{ resources: { requests: { cpu: '500m' } } }], overhead: { cpu: '10m' } } };
    expect(podRequests(p, warnings).milliCpu).toBe(510);
    expect(warnings).toEqual([]);
    const bad = { metadata: { name: 'q', namespace: 'x' }, spec: { containers: [{ resources: { requests: { cpu: '1', memory: 'lots' } } }] } };
    expect(podRequests(bad, warnings).milliCpu).toBe(0);
    expect(warnings[0]).toContain('pod x/q');
  });

  it('counts requests as the controller does: sidecars run alongside, pod-level resources win', () => {
    const warnings: string[] = [];
    const sidecar = { metadata: { name: 's', namespace: 'x' }, spec: { initContainers: [{ restartPolicy: 'Always', resources: { requests: { cpu: '200m' } } }], containers: [{ resources: { requests: { cpu: '300m' } } }] } };
    expect(podRequests(sidecar, warnings).milliCpu).toBe(500);
    const podLevel = { metadata: { name: 'l', namespace: 'x' }, spec: { resources: { requests: { cpu: '2' } }, containers: [{ resources: { requests: { cpu: '300m' } } }] } };
    expect(podRequests(podLevel, warnings).milliCpu).toBe(2000);
    expect(warnings).toEqual([]);
  });
});
