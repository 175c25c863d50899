/**
 * Typed cloud provider errors. Check them with the `is…` guards, not `instanceof`: the guards
 * also recognise errors that crossed a module boundary (a second copy of this file, a worker).
 */
import { offeringKey, type OfferingRef } from '../model/instance-type.js';

/** The cloud could not sell any of the offerings tried. Exclude them for a while and re-plan. */
export class InsufficientCapacityError extends Error {
  readonly kind = 'InsufficientCapacity' as const;
  constructor(
    /** Every offering the cloud tried and could not get (at least one). */
    readonly offerings: readonly OfferingRef[],
    message?: string,
  ) {
    super(message ?? `insufficient capacity for ${offerings.map(offeringKey).join(', ') || 'every offering'}`);
    this.name = 'InsufficientCapacityError';
  }
}

/** The instance does not exist (never did, or is terminated). For delete this means "already done". */
export class NodeClaimNotFoundError extends Error {
  readonly kind = 'NodeClaimNotFound' as const;
  constructor(
    readonly providerId: string,
    message?: string,
  ) {
    super(message ?? `instance ${providerId} not found`);
    this.name = 'NodeClaimNotFoundError';
  }
}

/** The node claim asks for something no offering can satisfy (bad requirements, no types left). Retrying will not help. */
export class InvalidNodeClaimError extends Error {
  readonly kind = 'InvalidNodeClaim' as const;
  constructor(
    readonly nodeClaimName: string,
    reason: string,
  ) {
    super(`node claim ${nodeClaimName}: ${reason}`);
    this.name = 'InvalidNodeClaimError';
  }
}

function hasKind(error: unknown, kind: string): boolean {
  return typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === kind;
}

export function isInsufficientCapacityError(error: unknown): error is InsufficientCapacityError {
  return hasKind(error, 'InsufficientCapacity');
}

export function isNodeClaimNotFoundError(error: unknown): error is NodeClaimNotFoundError {
  return hasKind(error, 'NodeClaimNotFound');
}

export function isInvalidNodeClaimError(error: unknown): error is InvalidNodeClaimError {
  return hasKind(error, 'InvalidNodeClaim');
}

/**
 * A launch failure that asking again the same way cannot fix: an `InvalidNodeClaimError`, or a
 * provider's own error marked `permanent: true` (EC2: the request was rejected as invalid or not
 * authorized, the node class resolves to nothing). The caller backs the request off instead of
 * retrying it every pass.
 */
export function isPermanentLaunchError(error: unknown): error is Error {
  return isInvalidNodeClaimError(error) || (typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true);
}
