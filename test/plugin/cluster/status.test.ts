import { describe, expect, it } from 'vitest';
import { deploymentView, forecastPeak, parseCapacity } from '../../../plugin/cluster/deployment-view.js';
import { nodeClaimView, summarizePools } from '../../../plugin/cluster/node-claims.js';
import type { StatusReport } from '../../../plugin/cluster/status.js';
import { renderStatusTable } from '../../../plugin/render/status.js';
import { deployment, forecast, nodeClaim, NOW } from '../builders.js';

function report(partial: Partial<StatusReport> = {}): StatusReport {
  const deployments = [
    deployment('web', { forecast: forecast({ margin: 1.25, surgeFloor: 14 }), annotations: { 'smartscale.io/target-replicas': '4', 'smartscale.io/peak-replicas': '6', 'smartscale.io/capacity': '{"replicas":3,"cpu":"750m","memory":"768Mi","pods":3}', 'smartscale.io/min-replicas': '2', 'smartscale.io/max-replicas': '20' } }),
    deployment('api', { namespace: 'core', replicas: 5, ready: 4, annotations: { 'smartscale.io/mode': 'optimize' } }),
  ].map((d) => deploymentView(d, 'observe', NOW));
  const claims = [nodeClaim('default-a', { node: 'n1', ready: true }), nodeClaim('default-b', { type: 'c6i.xlarge', price: '0.17', predicted: true }), nodeClaim('gpu-a', { pool: 'gpu', type: 'g5.xlarge', price: '1.006', node: 'n3', ready: true })].map(nodeClaimView);
  return {
    context: 'prod',
    namespace: null,
    cluster: { mode: 'observe', modeSource: 'configmap', installed: true },
    deployments,
    nodePools: summarizePools(claims),
    nodeClaims: claims,
    warnings: [],
    ...partial,
  };
}

describe('status table (snapshots: column changes must be deliberate)', () => {
  it('all namespaces', () => expect(renderStatusTable(report(), false)).toMatchSnapshot());
  it('wide', () => expect(renderStatusTable(report(), true)).toMatchSnapshot());
  it('one namespace, no NodeClaims readable, nothing opted in', () => {
    expect(renderStatusTable(report({ namespace: 'shop', deployments: [], nodePools: null, cluster: { mode: 'optimize', modeSource: 'default', installed: false } }), false)).toMatchSnapshot();
  });
});

describe('deploymentView', () => {
  it('reads replicas, mode source, forecast peak and capacity', () => {
    const view = report().deployments[0];
    expect(view).toMatchObject({
      name: 'web',
      mode: 'observe',
      modeSource: 'cluster',
      replicas: { desired: 3, ready: 3, target: 4, peak: 6 },
      bounds: { min: 2, max: 20 },
      capacity: { replicas: 3, cpu: '750m', memory: '768Mi', pods: 3 },
      forecast: { model: 'holt-winters', recentRelMae: 0.62, ageSeconds: 30, nextPeak: { rps: 20, upperRps: 25, inSeconds: 210 }, margin: 1.25, surgeFloorRps: 14 },
    });
    expect(view.warnings).toEqual([]);
  });

  it('shows the sizing margin and surge floor only when the forecast carries valid ones', () => {
    const without = deploymentView(deployment('x', { forecast: forecast() }), 'observe', NOW);
    expect(without.forecast).not.toHaveProperty('margin');
    expect(without.forecast).not.toHaveProperty('surgeFloorRps');
    // Out of range (a margin is ≥ 1 and at most 10; a floor is a demand ≥ 0): ignored with a warning, the rest of the forecast kept.
    const bad = deploymentView(deployment('y', { forecast: forecast({ margin: 0.5, surgeFloor: -3 }) }), 'observe', NOW);
    expect(bad.forecast).toMatchObject({ model: 'holt-winters' });
    expect(bad.forecast).not.toHaveProperty('margin');
    expect(bad.forecast).not.toHaveProperty('surgeFloorRps');
    expect(bad.warnings).toEqual([expect.stringContaining('field margin ignored'), expect.stringContaining('field surgeFloor ignored')]);
    const table = renderStatusTable(report({ namespace: 'default', deployments: [without, bad, report().deployments[0]] }), false);
    expect(table).toMatch(/CAPACITY\s+MARGIN\s+SURGE-FLOOR\n/);
    expect(table).toMatch(/^web\s.*\s1\.25x\s+14rps$/m);
    expect(table).toMatch(/^x\s.*\s-\s+-$/m);
    expect(table).toMatch(/^y\s.*\s-\s+-$/m);
  });

  it('collects warnings for unreadable annotations instead of failing', () => {
    const view = deploymentView(deployment('x', { annotations: { 'smartscale.io/forecast': '{', 'smartscale.io/target-replicas': 'many', 'smartscale.io/min-replicas': '-1' } }), 'optimize', NOW);
    expect(view.forecast).toBeUndefined();
    expect(view.replicas.target).toBeUndefined();
    expect(view.mode).toBe('optimize');
    expect(view.warnings).toHaveLength(3);
  });

  it('looks for the next peak only in steps still ahead', () => {
    const f = forecast({ generatedAt: NOW - 150, point: [50, 10, 10, 30, 20], upper: [50, 10, 10, 30, 20] });
    expect(forecastPeak(f, NOW)).toMatchObject({ rps: 30, inSeconds: 90 });
  });

  it('refuses a malformed capacity', () => {
    const warnings: string[] = [];
    expect(parseCapacity('{"replicas":-1}', warnings)).toBeUndefined();
    expect(warnings[0]).toContain('smartscale.io/capacity ignored');
  });
});

describe('pool summary', () => {
  it('counts nodes, pending and predicted claims, instance types and cost', () => {
    const pools = report().nodePools!;
    expect(pools).toEqual([
      { nodePool: 'default', nodes: 2, pending: 1, predicted: 1, instanceTypes: [{ type: 'c6i.xlarge', count: 1 }, { type: 'm6i.large', count: 1 }], costPerHour: 0.266, unpriced: 0 },
      { nodePool: 'gpu', nodes: 1, pending: 0, predicted: 0, instanceTypes: [{ type: 'g5.xlarge', count: 1 }], costPerHour: 1.006, unpriced: 0 },
    ]);
  });

  it('counts a claim with an unreadable price as unpriced', () => {
    const claim = nodeClaim('x', { price: 'cheap' });
    expect(summarizePools([nodeClaimView(claim)])[0]).toMatchObject({ costPerHour: 0, unpriced: 1 });
  });
});
