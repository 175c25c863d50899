/** Builders for the plugin's unit tests: API objects as the cluster returns them. */
import type { KubeObject } from '../../core/kube/client.js';
import { formatForecastAnnotation, type ForecastAnnotation } from '../../core/model/annotations.js';

/** A fixed "now" for every snapshot: 2026-01-01T00:00:00Z. */
export const NOW = Date.UTC(2026, 0, 1) / 1000;

export function forecast(partial: Partial<ForecastAnnotation> = {}): ForecastAnnotation {
  return { v: 1, generatedAt: NOW - 30, stepSeconds: 60, point: [10, 12, 15, 20, 18, 14], upper: [12, 15, 19, 25, 22, 17], quantile: 0.9, model: 'holt-winters', recentRelMae: 0.62, observed: 9, ...partial };
}

export interface DeploymentOptions {
  namespace?: string;
  replicas?: number;
  ready?: number;
  annotations?: Record<string, string>;
  forecast?: ForecastAnnotation;
}

export function deployment(name: string, options: DeploymentOptions = {}): KubeObject {
  const annotations: Record<string, string> = { 'smartscale.io/enabled': 'true', ...options.annotations };
  if (options.forecast) annotations['smartscale.io/forecast'] = formatForecastAnnotation(options.forecast);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.namespace ?? 'shop', annotations },
    spec: { replicas: options.replicas ?? 3 },
    status: { replicas: options.replicas ?? 3, readyReplicas: options.ready ?? options.replicas ?? 3 },
  };
}

export interface ClaimOptions {
  pool?: string;
  type?: string;
  price?: string;
  node?: string;
  ready?: boolean;
  predicted?: boolean;
  createdAt?: string;
}

export function nodeClaim(name: string, o: ClaimOptions = {}): KubeObject {
  const conditions = [{ type: 'Launched', status: 'True' }];
  if (o.node) conditions.push({ type: 'Registered', status: 'True' });
  if (o.ready) conditions.push({ type: 'Initialized', status: 'True' });
  return {
    apiVersion: 'smartscale.io/v1',
    kind: 'NodeClaim',
    metadata: { name, creationTimestamp: o.createdAt ?? '2025-12-31T23:00:00Z' },
    spec: { nodePool: o.pool ?? 'default', instanceTypeOptions: [o.type ?? 'm6i.large'], predicted: o.predicted ?? false },
    status: { instanceType: o.type ?? 'm6i.large', capacityType: 'on-demand', zone: 'us-east-1a', nodeName: o.node, pricePerHour: o.price ?? '0.096', conditions },
  };
}

export function node(name: string, allocatable: Record<string, string>, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels, creationTimestamp: '2025-12-31T20:00:00Z' },
    status: { allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

export function pod(name: string, nodeName: string | undefined, requests: Record<string, string>, phase = 'Running'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop' }, spec: { nodeName, containers: [{ name: 'app', resources: { requests } }] }, status: { phase } };
}
