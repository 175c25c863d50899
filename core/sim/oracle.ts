/**
 * The oracle: perfect foresight and perfect packing. At every tick it has exactly the pods the
 * demand needs (ceil(demand ÷ per-pod capacity) per service) and pays for them at the lowest price
 * per pod slot in the catalog, as if nodes could be split into slots and appear instantly. Nothing
 * is unserved, and no strategy that serves everything can cost less: at every tick it must have at
 * least as many ready pods, and every pod occupies a slot of some node at no less than that price.
 */
import { blendedPrice, cheapestPerSlot, type NodeType } from './cluster.js';
import type { PreparedScenario } from './engine.js';
import { MetricsRecorder, type StrategyMetrics } from './metrics.js';

export function runOracle(prepared: PreparedScenario, nodeTypes: readonly NodeType[], seriesPoints = 600): StrategyMetrics {
  const { scenario, ticks, rates } = prepared;
  const best = cheapestPerSlot(nodeTypes, scenario.spotShare);
  const perSlotHour = blendedPrice(best, scenario.spotShare) / best.slots;
  const recorder = new MetricsRecorder('oracle', prepared, seriesPoints);
  const n = scenario.services.length;
  const need = new Float64Array(n);
  let launches = 0;
  let terminations = 0;
  let prevNodes = -1;
  for (let k = 0; k < ticks; k++) {
    let pods = 0;
    for (let s = 0; s < n; s++) {
      need[s] = Math.ceil(rates[s][k] / scenario.services[s].rpsPerPod - 1e-9);
      pods += need[s];
    }
    const nodes = Math.ceil(pods / best.slots);
    if (prevNodes >= 0) {
      if (nodes > prevNodes) launches += nodes - prevNodes;
      else terminations += prevNodes - nodes;
    }
    prevNodes = nodes;
    recorder.recordValues(k, (s) => need[s], nodes, pods * perSlotHour);
  }
  return recorder.finish({ launches, terminations });
}
