/**
 * Taints, tolerations and the Kubernetes matching rules between them.
 */

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: TaintEffect;
}

export interface Toleration {
  /** Empty or absent with operator Exists tolerates every taint. */
  readonly key?: string;
  readonly operator?: 'Equal' | 'Exists';
  readonly value?: string;
  /** Absent tolerates every effect. */
  readonly effect?: TaintEffect;
}

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  const operator = toleration.operator ?? 'Equal';
  if (!toleration.key) return operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  if (operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

/**
 * True when every hard taint (NoSchedule, NoExecute) is tolerated. PreferNoSchedule is a
 * preference, not a rule, so it never blocks a placement.
 */
export function toleratesAll(tolerations: readonly Toleration[] | undefined, taints: readonly Taint[] | undefined): boolean {
  if (!taints || taints.length === 0) return true;
  for (const taint of taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!(tolerations ?? []).some((t) => tolerates(t, taint))) return false;
  }
  return true;
}
