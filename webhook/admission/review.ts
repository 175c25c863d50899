/**
 * AdmissionReview (admission.k8s.io/v1) in and out. Pure: validation of a parsed body and the
 * construction of the response; the HTTP layer lives in webhook/app.ts.
 */
import { printable } from '../../core/text/printable.js';
import type { JsonPatchOperation } from './json-patch.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';

/** The parts of an AdmissionRequest the webhook uses. */
export interface AdmissionRequest {
  uid: string;
  /** `group/version/kind` of the object, e.g. `apps/v1/Deployment`. */
  kind: { group: string; version: string; kind: string };
  operation: string;
  /** `status`, `scale`, …: a write of a subresource, not of the object itself. */
  subResource?: string;
  namespace?: string;
  name?: string;
  dryRun: boolean;
  object?: Record<string, unknown>;
  oldObject?: Record<string, unknown>;
}

export interface AdmissionResponseBody {
  uid: string;
  allowed: true;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: typeof ADMISSION_KIND;
  response: AdmissionResponseBody;
}

/** A request we refuse to read; answered with HTTP 400 and this message. */
export class BadReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadReviewError';
  }
}

const MAX_UID_LENGTH = 128;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadReviewError(`request.${field} must be a string`);
  return value;
}

/** Validates a parsed body as an AdmissionReview v1 request. Throws BadReviewError naming the problem. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (!isObject(body)) throw new BadReviewError('body must be a JSON object (an AdmissionReview)');
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    throw new BadReviewError(`apiVersion must be ${ADMISSION_API_VERSION}, got ${JSON.stringify(String(body.apiVersion).slice(0, 64))}`);
  }
  if (body.kind !== ADMISSION_KIND) throw new BadReviewError(`kind must be ${ADMISSION_KIND}, got ${JSON.stringify(String(body.kind).slice(0, 64))}`);
  const request = body.request;
  if (!isObject(request)) throw new BadReviewError('request must be an object');
  if (typeof request.uid !== 'string' || request.uid.length === 0) throw new BadReviewError('request.uid is missing');
  if (request.uid.length > MAX_UID_LENGTH) throw new BadReviewError(`request.uid is longer than ${MAX_UID_LENGTH} characters`);
  const kind = request.kind;
  if (!isObject(kind) || typeof kind.kind !== 'string' || typeof kind.version !== 'string' || (kind.group !== undefined && typeof kind.group !== 'string')) {
    throw new BadReviewError('request.kind must be {group, version, kind}');
  }
  if (typeof request.operation !== 'string') throw new BadReviewError('request.operation must be a string');
  if (request.dryRun !== undefined && request.dryRun !== null && typeof request.dryRun !== 'boolean') {
    throw new BadReviewError('request.dryRun must be true or false');
  }
  for (const field of ['object', 'oldObject'] as const) {
    const value = request[field];
    if (value !== undefined && value !== null && !isObject(value)) throw new BadReviewError(`request.${field} must be an object`);
  }
  return {
    uid: request.uid,
    kind: { group: (kind.group as string | undefined) ?? '', version: kind.version, kind: kind.kind },
    operation: request.operation,
    subResource: optionalString(request.subResource, 'subResource') || undefined,
    namespace: optionalString(request.namespace, 'namespace'),
    name: optionalString(request.name, 'name'),
    dryRun: request.dryRun === true,
    object: isObject(request.object) ? request.object : undefined,
    oldObject: isObject(request.oldObject) ? request.oldObject : undefined,
  };
}

export function isDeploymentRequest(request: AdmissionRequest): boolean {
  return request.kind.group === 'apps' && request.kind.version === 'v1' && request.kind.kind === 'Deployment';
}

/** Kubernetes truncates long warnings and many of them; keep them short and few, and printable. */
const MAX_WARNINGS = 10;
const MAX_WARNING_LENGTH = 256;

export function sanitizeWarnings(warnings: readonly string[]): string[] {
  const out = warnings.slice(0, MAX_WARNINGS).map((w) => {
    // Values in warnings are the user's, and kubectl prints warnings to a terminal.
    const clean = printable(w);
    return clean.length > MAX_WARNING_LENGTH ? `${clean.slice(0, MAX_WARNING_LENGTH - 1)}…` : clean;
  });
  if (warnings.length > MAX_WARNINGS) out.push(`smartscale: ${warnings.length - MAX_WARNINGS} more warning(s) not shown`);
  return out;
}

/** An allowed response; with a base64 JSONPatch when there are operations, without one otherwise. */
export function admissionResponse(uid: string, patch: readonly JsonPatchOperation[] = [], warnings: readonly string[] = []): AdmissionReviewResponse {
  const response: AdmissionResponseBody = { uid, allowed: true };
  if (patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  if (warnings.length > 0) response.warnings = sanitizeWarnings(warnings);
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}
