/**
 * How EC2 failures are sorted. Throttling, 5xx and network failures are transient (retried with
 * backoff, see retry.ts); authorization and validation failures are permanent and surface as
 * typed errors whose `reason` goes on the node claim's Launched condition and into an Event.
 * The guards check a `kind` field, like `core/cloud/errors.ts`, so they survive module copies.
 */
import type { NodeClaimCondition } from '../../model/node-claim.js';

/** Codes EC2 returns when callers go too fast. */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'EC2ThrottledException',
]);

/** Codes that mean "not allowed": the IAM policy or an SCP is missing something. */
export const AUTHORIZATION_CODES: ReadonlySet<string> = new Set([
  'UnauthorizedOperation',
  'AuthFailure',
  'AccessDenied',
  'AccessDeniedException',
  'OptInRequired',
  'Blocked',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'CredentialsProviderError',
]);

/**
 * Authorization codes that say the credentials themselves failed — expired, not yet refreshed,
 * a clock skewed against the signature, the metadata service slow to answer — not that the policy
 * forbids the call: they clear by themselves, so a launch refused with one is retried, not backed
 * off as a refused configuration.
 */
export const TRANSIENT_CREDENTIAL_CODES: ReadonlySet<string> = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'CredentialsProviderError', 'AuthFailure']);

/** Codes in CreateFleet's `Errors` that mean "no capacity for this offering right now". */
export const INSUFFICIENT_CAPACITY_CODES: ReadonlySet<string> = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'InsufficientHostCapacity',
  'InsufficientReservedInstanceCapacity',
  'UnfulfillableCapacity',
  'MaxSpotInstanceCountExceeded',
  'SpotMaxPriceTooLow',
  'InsufficientFreeAddressesInSubnet',
  'Unsupported',
  'VcpuLimitExceeded',
  'MaxFleetCountExceeded',
]);

/** The controller's credentials may not do this. Fix the IAM policy; retrying will not help. */
export class Ec2AuthorizationError extends Error {
  readonly kind = 'Ec2Authorization' as const;
  readonly reason = 'UnauthorizedOperation';
  /**
   * Retrying the same launch cannot help (core/cloud/errors.ts `isPermanentLaunchError`) — unless
   * the credentials themselves failed (TRANSIENT_CREDENTIAL_CODES), which clears on its own.
   */
  readonly permanent: boolean;
  constructor(
    readonly operation: string,
    readonly code: string,
    detail: string,
  ) {
    super(`EC2 ${operation} not authorized (${code}): ${detail}`);
    this.name = 'Ec2AuthorizationError';
    this.permanent = !TRANSIENT_CREDENTIAL_CODES.has(code);
  }
}

/** EC2 rejected the request as invalid (bad AMI, subnet, launch template, parameter). Retrying will not help. */
export class Ec2ValidationError extends Error {
  readonly kind = 'Ec2Validation' as const;
  readonly reason = 'InvalidRequest';
  /** Retrying the same launch cannot help (core/cloud/errors.ts `isPermanentLaunchError`). */
  readonly permanent = true;
  constructor(
    readonly operation: string,
    readonly code: string,
    detail: string,
  ) {
    super(`EC2 ${operation} rejected (${code}): ${detail}`);
    this.name = 'Ec2ValidationError';
  }
}

/** The node class points at nothing usable (no subnets, no security groups, no AMI match). */
export class NodeClassResolutionError extends Error {
  readonly kind = 'NodeClassResolution' as const;
  readonly reason = 'NodeClassNotReady';
  /** Retrying the same launch cannot help (core/cloud/errors.ts `isPermanentLaunchError`). */
  readonly permanent = true;
  constructor(
    readonly nodeClass: string,
    message: string,
  ) {
    super(`EC2NodeClass ${nodeClass}: ${message}`);
    this.name = 'NodeClassResolutionError';
  }
}

function hasKind(error: unknown, kind: string): boolean {
  return typeof error === 'object' && error !== null && (error as { kind?: unknown }).kind === kind;
}

export function isEc2AuthorizationError(error: unknown): error is Ec2AuthorizationError {
  return hasKind(error, 'Ec2Authorization');
}

export function isEc2ValidationError(error: unknown): error is Ec2ValidationError {
  return hasKind(error, 'Ec2Validation');
}

export function isNodeClassResolutionError(error: unknown): error is NodeClassResolutionError {
  return hasKind(error, 'NodeClassResolution');
}

/** The AWS error code of an SDK error (`name`, or `Code` on some shapes), or undefined. */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e.Code, e.code, e.name]) if (typeof v === 'string' && v.length > 0 && v !== 'Error') return v;
  return undefined;
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout', 'NetworkingError']);

/** Worth retrying: throttling, a 5xx / server fault, or a network failure. */
export function isRetryableAwsError(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code && THROTTLING_CODES.has(code)) return true;
  if (code && NETWORK_CODES.has(code)) return true;
  const status = httpStatus(error);
  if (status !== undefined && status >= 500) return true;
  if ((error as { $fault?: unknown } | null)?.$fault === 'server') return true;
  if (status === 429) return true;
  return code === 'InternalError' || code === 'InternalFailure' || code === 'ServiceUnavailable' || code === 'Unavailable';
}

export function isAuthorizationCode(code: string | undefined): boolean {
  return code !== undefined && AUTHORIZATION_CODES.has(code);
}

/** Validation-like codes: `Invalid…`, `MissingParameter`, `…Malformed`, `…NotFound` on inputs we chose. */
export function isValidationCode(code: string | undefined): boolean {
  if (code === undefined) return false;
  return (
    code.startsWith('Invalid') ||
    code === 'ValidationError' ||
    code === 'MissingParameter' ||
    code === 'UnknownParameter' ||
    code === 'UnsupportedOperation' ||
    code.endsWith('.Malformed') ||
    code.endsWith('.NotFound')
  );
}

/**
 * Turns an SDK error that is not retryable into the typed error it stands for (authorization,
 * validation); returns the error unchanged otherwise (e.g. exhausted retries).
 */
export function classifyAwsError(operation: string, error: unknown): unknown {
  const code = awsErrorCode(error);
  const detail = error instanceof Error ? error.message : String(error);
  if (isAuthorizationCode(code)) return new Ec2AuthorizationError(operation, code!, detail);
  if (isValidationCode(code)) return new Ec2ValidationError(operation, code!, detail);
  return error;
}

/**
 * What to write on the node claim's `Launched=False` condition and in the Event when a launch
 * fails, and whether trying again later can help. Permanent failures (authorization, validation,
 * a node class that resolves to nothing, an impossible claim) are not retried by the controller
 * until something changes.
 */
export function launchFailure(error: unknown): { reason: string; message: string; retryable: boolean } {
  const message = error instanceof Error ? error.message : String(error);
  const kind = typeof error === 'object' && error !== null ? (error as { kind?: unknown }).kind : undefined;
  switch (kind) {
    case 'InsufficientCapacity':
      return { reason: 'InsufficientCapacity', message, retryable: true };
    case 'InvalidNodeClaim':
      return { reason: 'InvalidNodeClaim', message, retryable: false };
    case 'Ec2Authorization':
      return { reason: 'UnauthorizedOperation', message, retryable: !(error as Ec2AuthorizationError).permanent };
    case 'Ec2Validation':
      return { reason: 'InvalidRequest', message, retryable: false };
    case 'NodeClassResolution':
      return { reason: 'NodeClassNotReady', message, retryable: false };
    default:
      return { reason: 'LaunchFailed', message, retryable: true };
  }
}

/** The `Launched=False` condition to record on the node claim after a failed launch. */
export function launchFailedCondition(error: unknown, now: number): NodeClaimCondition {
  const { reason, message } = launchFailure(error);
  return { type: 'Launched', status: 'False', reason, message, lastTransitionTime: now };
}
