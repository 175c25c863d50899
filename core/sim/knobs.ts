/**
 * The strategies' names and settings: plain data, kept apart from the engine so the CLI can describe
 * its flags without loading the simulator.
 */
import type { SmartscaleOptions } from './smartscale.js';

export const STRATEGY_NAMES = ['reactive-hpa-ca', 'reactive-karpenter', 'overprovisioned', 'smartscale', 'oracle'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export function isStrategyName(s: string): s is StrategyName {
  return (STRATEGY_NAMES as readonly string[]).includes(s);
}

/** Each strategy's setting; `--sweep` varies the one knob that belongs to each. */
export interface StrategyKnobs {
  /** HPA target CPU utilization (reactive-hpa-ca, reactive-karpenter, overprovisioned). */
  hpaTarget: number;
  /** Placeholder headroom as a share of the real replicas (overprovisioned). */
  headroom: number;
  /** Upper-band quantile smartscale sizes for. */
  quantile: number;
  /** Utilization smartscale sizes pods for at the band (margin for surges beyond it). */
  utilization: number;
  /** The Cluster Autoscaler's node group type; default: the cheapest per pod slot. */
  caInstanceType?: string;
  /** smartscale's disruption: the production planner (default) or the slot model (faster). */
  disruption?: 'planner' | 'slots';
  /** Extra smartscale options (experiments). */
  smartscale?: Partial<SmartscaleOptions>;
}

export const DEFAULT_KNOBS: StrategyKnobs = { hpaTarget: 0.7, headroom: 0.3, quantile: 0.965, utilization: 0.88 };


/**
 * Default share of spot instances interrupted per 30 days (`--spot-interruptions`, ADR 102): the
 * upper edge of the Spot Instance Advisor's lowest band (< 5%), where a diversified choice of pools
 * sits; the Advisor's bands go up to > 20% for the busiest pools. It matters only with a spot share.
 */
export const DEFAULT_SPOT_INTERRUPTIONS = 0.05;
