/**
 * PodDisruptionBudgets as the disruption planner sees them: a selector and how many more pods it
 * lets be evicted right now (`status.disruptionsAllowed`, computed by Kubernetes).
 */
import type { SelectorExpression } from './pod.js';
export interface PodDisruptionBudget {
  readonly namespace: string;
  readonly name: string;
  /** Pods in `namespace` whose labels contain all of these are covered. */
  readonly selector: Readonly<Record<string, string>>;
  /** …and satisfy these (`matchExpressions`). */
  readonly selectorExpressions?: readonly SelectorExpression[];
  readonly disruptionsAllowed: number;
}
