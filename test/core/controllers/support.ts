/** Builders and waits for the controller tests (sandbox-backed and unit). */
import type { KubeClient, KubeObject } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';
import { expect } from 'vitest';
import type { ControllerOptions, RunningController } from '../../../core/controllers/controller.js';
import type { SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';
import { updateWithRetry } from '../../../core/kube/patch.js';
import type { Mode } from '../../../core/model/annotations.js';
import { CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE } from '../../../core/model/cluster-config.js';

/** Loop intervals and backoffs short enough for sandbox tests at 50× (files add what they need). */
export const FAST_LOOPS = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 5_000, 'garbage-collection': 10_000, forecaster: 60_000, config: 5_000 },
  validationMs: 5_000,
  informerBackoffMs: { initial: 500, max: 5_000 },
  loopBackoffMs: { initial: 1_000, max: 5_000 },
} satisfies Partial<ControllerOptions>;

export function deployment(namespace: string, name: string, options: { replicas?: number; annotations?: Record<string, string>; cpu?: string; memory?: string } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, annotations: options.annotations ?? {} },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'example', resources: { requests: { cpu: options.cpu ?? '500m', memory: options.memory ?? '512Mi' } } }] },
      },
    },
  };
}

export function pdb(namespace: string, name: string, app: string, maxUnavailable: number): KubeObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace }, spec: { maxUnavailable, selector: { matchLabels: { app } } } };
}

/** Polls `check` every `everyMs` (real time) until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function runningPods(client: KubeClient, namespace: string, app: string): Promise<KubeObject[]> {
  const { items } = await client.list(Refs.pods, { namespace, labelSelector: `app=${app}` });
  return items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
}

export async function nodeClaims(client: KubeClient): Promise<KubeObject[]> {
  return (await client.list(Refs.nodeClaims)).items;
}

/**
 * A KubeClient whose every call fails with `why` except the methods given: fakes for loops that
 * must touch only a few calls (a call outside them fails the test's pass).
 */
export function clientWith(why: string, methods: Partial<KubeClient>): KubeClient {
  const unused = () => Promise.reject(new Error(why));
  return {
    get: unused,
    list: unused,
    create: unused,
    replace: unused,
    patch: unused,
    delete: unused,
    postSubresource: unused,
    watch: () => {
      throw new Error(why);
    },
    ...methods,
  };
}

/** Waits until `count` pods of the app run (and, with `awayFrom`, none on that node); returns them. */
export function untilRunning(client: KubeClient, namespace: string, app: string, count: number, options: { awayFrom?: string; timeoutMs?: number } = {}): Promise<KubeObject[]> {
  const where = options.awayFrom ? ` away from ${options.awayFrom}` : '';
  return waitFor(`${count} running ${app} pods${where}`, async () => {
    const running = await runningPods(client, namespace, app);
    return running.length === count && (!options.awayFrom || running.every((p) => p.spec.nodeName !== options.awayFrom)) ? running : undefined;
  }, options.timeoutMs ?? 40_000);
}

/** How many of `pods` each node runs (node name → count). */
export function podsPerNode(pods: readonly KubeObject[]): Map<string, number> {
  const perNode = new Map<string, number>();
  for (const p of pods) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  return perNode;
}

/** Creates the Deployment `app` in `namespace` with `replicas` pods and waits until they all run. */
export async function runDeployment(client: KubeClient, namespace: string, app: string, replicas: number, timeoutMs = 40_000): Promise<KubeObject[]> {
  await client.create(Refs.deployments, deployment(namespace, app, { replicas }));
  return untilRunning(client, namespace, app, replicas, { timeoutMs });
}

/** Sets the cluster's mode in the smartscale ConfigMap and waits until the controller has it. */
export async function setClusterMode(client: KubeClient, controller: RunningController, mode: Mode): Promise<void> {
  await updateWithRetry(client, Refs.configMaps, CLUSTER_CONFIG_NAME, SMARTSCALE_NAMESPACE, (fresh) => {
    fresh.data = { ...fresh.data, mode };
    return fresh;
  });
  await waitFor(`the controller sees ${mode}`, () => controller.state.config().cluster.mode === mode);
}

/**
 * A large node holding one small pod: `big` (6 CPU) launches an 8-vCPU-class node, `small` (500m)
 * lands on it beside `big`, then `big` goes (after `beforeRemoval`). Returns the node, its claim,
 * and the sandbox clock's time just before `big` was deleted and once its pod was seen gone: the
 * node's last pod change lies between the two.
 */
export async function oversizedNode(
  e: SandboxEnvironment,
  c: RunningController,
  options: { beforeRemoval?: () => Promise<void> } = {},
): Promise<{ node: string; claim: KubeObject; removalIssuedAt: number; goneSeenAt: number }> {
  await waitFor('leader', () => c.isLeader());
  const api = e.sandbox.client;
  await api.create(Refs.deployments, deployment('default', 'big', { replicas: 1, cpu: '6', memory: '4Gi' }));
  const [bigPod] = await waitFor('big running', async () => {
    const pods = await runningPods(api, 'default', 'big');
    return pods.length === 1 ? pods : undefined;
  }, 40_000);
  const node = bigPod.spec.nodeName as string;
  await api.create(Refs.deployments, deployment('default', 'small', { replicas: 1 }));
  const [smallPod] = await waitFor('small running', async () => {
    const pods = await runningPods(api, 'default', 'small');
    return pods.length === 1 ? pods : undefined;
  }, 40_000);
  expect(smallPod.spec.nodeName).toBe(node);
  const claims = await nodeClaims(api);
  expect(claims).toHaveLength(1);
  await options.beforeRemoval?.();
  const removalIssuedAt = e.sandbox.clock.now();
  await api.delete(Refs.deployments, 'big', 'default');
  await waitFor('big gone', async () => (await api.list(Refs.pods, { labelSelector: 'app=big' })).items.length === 0, 20_000);
  return { node, claim: claims[0], removalIssuedAt, goneSeenAt: e.sandbox.clock.now() };
}
