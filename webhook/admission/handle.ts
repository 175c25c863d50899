/**
 * One admission, start to finish, without HTTP: review in, review out, plus what the server should
 * count, log and record afterwards. Pure apart from what the injected ownership lookup does.
 */
import { MAX_REPLICAS, mutate, type DecisionRecord, type MutateContext } from '../mutate/index.js';
import { diffJsonPatch } from './json-patch.js';
import { admissionResponse, isDeploymentRequest, parseAdmissionReview, type AdmissionRequest, type AdmissionReviewResponse } from './review.js';

/** The cluster policy part of the mutate context (from the `smartscale-config` ConfigMap). */
export type ClusterPolicy = Omit<MutateContext, 'nowSec' | 'hpaOwnsReplicas' | 'liveReplicas'>;

/**
 * Whether a HorizontalPodAutoscaler targets a Deployment. Answered from a local cache (an informer),
 * synchronously: the webhook must not call the API server on the admission path. Must not throw.
 */
export interface ReplicaOwnership {
  hpaOwnsReplicas(namespace: string, name: string): boolean;
}

export const NO_HPA: ReplicaOwnership = { hpaOwnsReplicas: () => false };

export type AdmissionResult = 'patched' | 'unchanged' | 'skipped' | 'ignored';

export interface AdmissionOutcome {
  review: AdmissionReviewResponse;
  request: AdmissionRequest;
  /** patched: a patch was returned; unchanged: opted in, nothing to change; skipped: not opted in; ignored: not a Deployment write. */
  result: AdmissionResult;
  patchOperations: number;
  warnings: string[];
  decision?: DecisionRecord;
}

function readName(request: AdmissionRequest): string {
  const metadata = request.object?.metadata as Record<string, unknown> | undefined;
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  return name ?? request.name ?? '';
}

function liveReplicas(request: AdmissionRequest): number | undefined {
  const spec = request.oldObject?.spec as Record<string, unknown> | undefined;
  const replicas = spec?.replicas;
  return typeof replicas === 'number' && Number.isInteger(replicas) && replicas >= 0 && replicas <= MAX_REPLICAS ? replicas : undefined;
}

/** Throws BadReviewError for a body that is not an AdmissionReview v1 request. */
export function handleAdmission(body: unknown, policy: ClusterPolicy, ownership: ReplicaOwnership, nowSec: number): AdmissionOutcome {
  const request = parseAdmissionReview(body);
  const writes = request.operation === 'CREATE' || request.operation === 'UPDATE';
  // A subresource write (status, scale) cannot change what mutate writes; the configuration's rules
  // do not send them, and one sent anyway (an edited configuration) is let through untouched.
  if (!writes || request.subResource !== undefined || !isDeploymentRequest(request) || !request.object) {
    return { review: admissionResponse(request.uid), request, result: 'ignored', patchOperations: 0, warnings: [] };
  }
  const namespace = request.namespace ?? '';
  let hpaOwnsReplicas = false;
  try {
    hpaOwnsReplicas = ownership.hpaOwnsReplicas(namespace, readName(request));
  } catch {
    // Contract says it must not throw; if it does, not knowing means not claiming ownership.
  }
  // Spelled out, not `{ ...policy, … }`: V8 takes microseconds to extend a spread clone with new
  // keys (measured), and this runs on every admission.
  const context: MutateContext = {
    clusterMode: policy.clusterMode,
    defaultMinReplicas: policy.defaultMinReplicas,
    defaultMaxReplicas: policy.defaultMaxReplicas,
    defaultRpsPerPod: policy.defaultRpsPerPod,
    scaleDownFraction: policy.scaleDownFraction,
    leadSteps: policy.leadSteps,
    leadSeconds: policy.leadSeconds,
    maxForecastAgeSec: policy.maxForecastAgeSec,
    utilization: policy.utilization,
    hpaOwnsReplicas,
    liveReplicas: liveReplicas(request),
    nowSec,
  };
  const { deployment, warnings, decision } = mutate(request.object, context);
  if (decision.action === 'skip') {
    return { review: admissionResponse(request.uid, [], warnings), request, result: 'skipped', patchOperations: 0, warnings, decision };
  }
  const patch = diffJsonPatch(request.object, deployment);
  return {
    review: admissionResponse(request.uid, patch, warnings),
    request,
    result: patch.length > 0 ? 'patched' : 'unchanged',
    patchOperations: patch.length,
    warnings,
    decision,
  };
}

export { readName as deploymentName };
