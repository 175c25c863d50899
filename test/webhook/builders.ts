/** Builders for Deployments, forecasts and AdmissionReviews used by the webhook tests and benchmark. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatForecastAnnotation, type ForecastAnnotation } from '../../core/model/annotations.js';
import type { ClusterPolicy } from '../../webhook/admission/handle.js';
import type { MutateContext } from '../../webhook/mutate/index.js';

export const NOW = 1_790_000_000;

export function forecast(partial: Partial<ForecastAnnotation> = {}): ForecastAnnotation {
  return {
    v: 1,
    generatedAt: NOW - 30,
    stepSeconds: 60,
    point: [80, 90, 100, 150, 120],
    upper: [100, 110, 120, 200, 140],
    quantile: 0.9,
    model: 'holt-winters',
    ...partial,
  };
}

export interface DeploymentOptions {
  name?: string;
  namespace?: string;
  replicas?: unknown;
  annotations?: Record<string, unknown>;
  /** Omit the annotations object entirely. */
  noAnnotations?: boolean;
  cpu?: string;
  memory?: string;
  /** Extra containers, to make the object realistically large. */
  sidecars?: number;
}

export function deployment(options: DeploymentOptions = {}): Record<string, unknown> {
  const container = (name: string) => ({
    name,
    image: `registry.example.com/shop/${name}:1.42.7`,
    ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability:4317' },
    ],
    resources: { requests: { cpu: options.cpu ?? '250m', memory: options.memory ?? '512Mi' }, limits: { memory: '1Gi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
  });
  const metadata: Record<string, unknown> = {
    name: options.name ?? 'checkout',
    namespace: options.namespace ?? 'shop',
    labels: { app: options.name ?? 'checkout', team: 'payments' },
  };
  if (!options.noAnnotations) metadata.annotations = { ...(options.annotations ?? {}) };
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: options.name ?? 'checkout' } },
    template: {
      metadata: { labels: { app: options.name ?? 'checkout' } },
      spec: { containers: [container('app'), ...Array.from({ length: options.sidecars ?? 0 }, (_, i) => container(`sidecar-${i}`))] },
    },
  };
  if (options.replicas !== undefined) spec.replicas = options.replicas;
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec };
}

/** Opted-in annotations with a forecast. */
export function optedIn(extra: Record<string, unknown> = {}, f: ForecastAnnotation | string = forecast()): Record<string, unknown> {
  return {
    'smartscale.io/enabled': 'true',
    'smartscale.io/forecast': typeof f === 'string' ? f : formatForecastAnnotation(f),
    ...extra,
  };
}

export const POLICY: ClusterPolicy = {
  clusterMode: 'optimize',
  defaultMinReplicas: 1,
  defaultMaxReplicas: 50,
  defaultRpsPerPod: 10,
  scaleDownFraction: 0.1,
  leadSteps: 2,
  // Whole steps, as these fixtures' numbers were written; the lead in seconds (default 110 s, ADR
  // 076) has its own tests (lead-sizing.test.ts).
  leadSeconds: 0,
  maxForecastAgeSec: 900,
  // The band exactly: these fixtures test damping, bounds and patches, whose numbers read easiest
  // at utilization 1; the 0.88 default has its own tests (sizing-policy.test.ts).
  utilization: 1,
};

export function context(partial: Partial<MutateContext> = {}): MutateContext {
  return { ...POLICY, hpaOwnsReplicas: false, nowSec: NOW, ...partial };
}

export interface ReviewOptions {
  uid?: string;
  operation?: string;
  dryRun?: boolean;
  oldObject?: Record<string, unknown>;
}

export function review(object: Record<string, unknown>, options: ReviewOptions = {}): Record<string, unknown> {
  const metadata = object.metadata as Record<string, unknown>;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name: metadata?.name,
      namespace: metadata?.namespace,
      operation: options.operation ?? 'UPDATE',
      userInfo: { username: 'system:serviceaccount:ci:deployer', uid: 'a1b2', groups: ['system:serviceaccounts', 'system:authenticated'] },
      object,
      oldObject: options.oldObject ?? null,
      dryRun: options.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'UpdateOptions' },
    },
  };
}

/** The project root (the nearest directory up with package.json and tsconfig.json): right from test/ and from dist/test/. */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json')))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}
