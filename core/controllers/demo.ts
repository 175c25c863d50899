/**
 * `kubectl smartscale sandbox --demo [--trace FILE] [--speed X]`: the whole product on an embedded
 * default. The sandbox with manifests/ applied, the controller and its webhook running against it,
 * a NodePool over the built-in catalog, three services that call each other (frontend → api → db)
 * with traffic from the trace (default: the built-in synthetic workload, 7 days of history, the
 * clock starting at 06:00 before the daily 15:00 peak) at X times real time, in optimize mode.
 */
import { readFileSync } from 'node:fs';
import { parseTrace } from '../forecast/trace.js';
import type { KubeObject } from '../kube/client.js';
import { Refs } from '../kube/refs.js';
import { DEMO_SERVICES, demoTraffic, loadTraffic, placeTrace, syntheticEntry } from './demo-workload.js';
import { applyObject } from './manifests.js';
import { startSandboxEnvironment, type SandboxEnvironment } from './sandbox-environment.js';

export const DEMO_NAMESPACE = 'shop';

export interface DemoOptions {
  speed: number;
  port?: number;
  kubeconfigPath: string;
  /** A `timestamp,value` trace for the entry service; default: the synthetic workload. */
  trace?: string;
  onError?: (where: string, error: unknown) => void;
}

export interface RunningDemo {
  env: SandboxEnvironment;
  /** What to print: where it runs and how to watch it. */
  banner: string;
  stop(): Promise<void>;
}

function demoDeployment(name: string, rpsPerPod: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: DEMO_NAMESPACE,
      annotations: { 'smartscale.io/enabled': 'true', 'smartscale.io/target-rps-per-pod': String(rpsPerPod), 'smartscale.io/min-replicas': '2', 'smartscale.io/max-replicas': '60' },
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example', resources: { requests: { cpu: '500m', memory: '512Mi' } } }] } },
    },
  };
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const trace = options.trace ? parseTrace(readFileSync(options.trace, 'utf8')) : undefined;
  // Lease and loop timings in clock time, scaled so the demo stays calm at any speed.
  const s = Math.max(1, options.speed);
  const env = await startSandboxEnvironment({
    speed: options.speed,
    port: options.port,
    kubeconfigPath: options.kubeconfigPath,
    mode: 'optimize',
    onError: options.onError,
    controller: {
      leaseDurationSeconds: Math.max(15, Math.ceil(0.6 * s)),
      renewDeadlineMs: Math.max(10_000, 400 * s),
      leaseRetryMs: Math.max(2_000, 100 * s),
      validationMs: Math.max(15_000, 30 * s),
      intervals: {
        forecaster: Math.max(15_000, 40 * s),
        provisioner: Math.max(10_000, 20 * s),
        'node-claim-lifecycle': Math.max(5_000, 10 * s),
        disruption: Math.max(10_000, 20 * s),
        'garbage-collection': Math.max(30_000, 200 * s),
        config: Math.max(30_000, 40 * s),
      },
    },
  });
  try {
    const nowSec = Math.floor(env.sandbox.clock.now() / 1000);
    const entry = trace ? placeTrace(trace, nowSec, 7) : syntheticEntry(nowSec, 7, 7, 20, 6);
    const traffic = demoTraffic(entry);
    loadTraffic(env.metrics, DEMO_NAMESPACE, traffic);
    await applyObject(env.sandbox.client, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_NAMESPACE } });
    for (const name of DEMO_SERVICES) {
      // About ten pods at the peak, whatever the trace's scale.
      const rpsPerPod = Math.max(0.001, Math.round((traffic.peakRps[name] / 10) * 1000) / 1000);
      await env.sandbox.client.create(Refs.deployments, demoDeployment(name, rpsPerPod));
    }
    await env.sandbox.client.create(Refs.pdbs, { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'db', namespace: DEMO_NAMESPACE }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } } });
    await env.startController('demo-controller-0');
    await env.startController('demo-controller-1');
  } catch (error) {
    await env.stop();
    throw error;
  }
  const k = `kubectl --kubeconfig ${options.kubeconfigPath}`;
  const banner = [
    `smartscale demo is running at ${env.sandbox.url} (clock ${options.speed}x; optimize mode; traffic: ${options.trace ?? 'built-in synthetic workload, daily peak at 15:00, starting 06:00'})`,
    `kubeconfig: ${options.kubeconfigPath}`,
    '',
    'Watch it:',
    `  export KUBECONFIG=${options.kubeconfigPath}`,
    '  kubectl smartscale status -n shop          # forecasts, targets, decisions',
    '  kubectl smartscale forecast -n shop frontend',
    '  kubectl get nodeclaims -w                   # nodes launched ahead of demand',
    '  kubectl smartscale nodes -o wide            # PREDICTED: launched for the forecast',
    '  kubectl get deployments -n shop -w',
    '  kubectl get events -A --sort-by=.lastTimestamp',
    '  kubectl smartscale mode observe             # switch the cluster to observe mode',
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
  void k;
  return { env, banner, stop: () => env.stop() };
}
