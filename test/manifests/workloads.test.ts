/**
 * The Deployments, PodDisruptionBudgets, Service and MutatingWebhookConfiguration under manifests/:
 * hardened pods, probes that hit endpoints that exist, disruptions one replica at a time, and a
 * webhook configuration that cannot lock the cluster out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildWebhookApp } from '../../webhook/app.js';
import { projectRoot } from '../webhook/builders.js';
import { loadManifest, type Doc } from './load.js';

const NAMESPACE = 'smartscale-system';
const [namespaceDoc] = loadManifest('namespace.yaml');

const workloads = [
  { name: 'webhook', dir: 'webhook' },
  { name: 'controller', dir: 'controller' },
].map(({ name, dir }) => {
  const [deployment] = loadManifest(`${dir}/deployment.yaml`);
  const pdbs = loadManifest(`${dir}/pdb.yaml`);
  const kustomization = loadManifest(`${dir}/kustomization.yaml`)[0];
  return { name, deployment, pdbs, kustomization };
});

const matches = (selector: Doc, labels: Record<string, string>) => Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

describe.each(workloads)('the $name Deployment', ({ deployment, pdbs, kustomization }) => {
  const pod = deployment.spec.template.spec;
  const podLabels = deployment.spec.template.metadata.labels;

  it('runs in smartscale-system, with several replicas', () => {
    expect(deployment.metadata.namespace).toBe(NAMESPACE);
    expect(namespaceDoc.metadata.name).toBe(NAMESPACE);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
  });

  it('runs as non-root with the RuntimeDefault seccomp profile', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.hostNetwork ?? false).toBe(false);
    expect(pod.hostPID ?? false).toBe(false);
  });

  it('drops every capability, cannot escalate and has a read-only root filesystem', () => {
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(c.securityContext.privileged ?? false).toBe(false);
      expect(c.securityContext.capabilities.add ?? []).toEqual([]);
    }
  });

  it('requests cpu and memory and caps memory above the request', () => {
    for (const c of pod.containers) {
      expect(c.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(c.resources.limits.memory).toBeDefined();
      const mi = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
      expect(mi(c.resources.limits.memory)).toBeGreaterThanOrEqual(mi(c.resources.requests.memory));
    }
  });

  it('has readiness and liveness probes on a port the container declares', () => {
    for (const c of pod.containers) {
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        expect(probe.httpGet.path).toMatch(/^\/(readyz|healthz)$/);
        expect(c.ports.map((p: Doc) => p.name)).toContain(probe.httpGet.port);
      }
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    }
  });

  it('spreads its replicas over nodes', () => {
    expect(pod.topologySpreadConstraints).toContainEqual(
      expect.objectContaining({ topologyKey: 'kubernetes.io/hostname', maxSkew: 1, labelSelector: { matchLabels: expect.any(Object) } }),
    );
    for (const t of pod.topologySpreadConstraints) expect(matches(t.labelSelector, podLabels)).toBe(true);
  });

  it('has a PodDisruptionBudget, in its kustomization, letting one replica go at a time', () => {
    expect(kustomization.resources).toContain('pdb.yaml');
    expect(pdbs).toHaveLength(1);
    const [pdb] = pdbs;
    expect(pdb).toMatchObject({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { namespace: NAMESPACE } });
    expect(matches(pdb.spec.selector, podLabels)).toBe(true);
    // Never a budget that blocks every drain (maxUnavailable 0, or minAvailable = replicas).
    if (pdb.spec.maxUnavailable !== undefined) expect(pdb.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
    else expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });
});

describe('probes reach endpoints that exist', () => {
  it('the webhook serves its probe paths (200 when ready)', async () => {
    const [deployment] = loadManifest('webhook/deployment.yaml');
    const [c] = deployment.spec.template.spec.containers;
    const app = buildWebhookApp({ logger: pino({ level: 'silent' }) });
    try {
      for (const probe of [c.readinessProbe, c.livenessProbe]) {
        expect(probe.httpGet.scheme).toBe('HTTPS');
        const res = await app.inject({ method: 'GET', url: probe.httpGet.path });
        expect(res.statusCode).toBe(200);
      }
    } finally {
      await app.close();
    }
  });

  it('the controller serves its probe paths on the metrics port', () => {
    const [deployment] = loadManifest('controller/deployment.yaml');
    const [c] = deployment.spec.template.spec.containers;
    const metricsPort = c.ports.find((p: Doc) => p.name === c.readinessProbe.httpGet.port).containerPort;
    const main = readFileSync(join(projectRoot(), 'core/controllers/main.ts'), 'utf8');
    const config = readFileSync(join(projectRoot(), 'core/controllers/process-config.ts'), 'utf8');
    expect(config).toContain(`?? '${metricsPort}'`);
    for (const path of [c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path]) expect(main).toContain(`path === '${path}'`);
  });
});

describe('the webhook pods stop gracefully', () => {
  it('wait before SIGTERM so the Service stops sending admissions first, within the grace period', () => {
    const [deployment] = loadManifest('webhook/deployment.yaml');
    const pod = deployment.spec.template.spec;
    const [c] = pod.containers;
    const [command, seconds] = c.lifecycle.preStop.exec.command;
    expect(command).toBe('sleep');
    expect(Number(seconds)).toBeGreaterThanOrEqual(3);
    expect(Number(seconds)).toBeLessThan(pod.terminationGracePeriodSeconds ?? 30);
  });
});

describe('the webhook Service', () => {
  it('selects the webhook pods and targets their HTTPS port', () => {
    const [service] = loadManifest('webhook/service.yaml');
    const [deployment] = loadManifest('webhook/deployment.yaml');
    expect(matches({ matchLabels: service.spec.selector }, deployment.spec.template.metadata.labels)).toBe(true);
    const [port] = service.spec.ports;
    expect(deployment.spec.template.spec.containers[0].ports.map((p: Doc) => p.name)).toContain(port.targetPort);
  });
});

describe('the MutatingWebhookConfiguration cannot lock the cluster out', () => {
  const [config] = loadManifest('webhook/mutatingwebhookconfiguration.yaml');
  const [deployment] = loadManifest('webhook/deployment.yaml');
  const [controller] = loadManifest('controller/deployment.yaml');

  it.each(config.webhooks as Doc[])('$name', (hook) => {
    // A failing or absent webhook never blocks a write.
    expect(hook.failurePolicy).toBe('Ignore');
    // Short enough that a hung webhook costs a write little (the API server's default is 10 s).
    expect(hook.timeoutSeconds).toBeGreaterThanOrEqual(1);
    expect(hook.timeoutSeconds).toBeLessThanOrEqual(5);
    expect(hook.sideEffects).toBe('NoneOnDryRun');
    expect(hook.admissionReviewVersions).toEqual(['v1']);
    // Capacity is read from the pod template, which a later webhook may change: called again then
    // (safe: mutate over its own output changes nothing, tested in test/webhook/).
    expect(hook.reinvocationPolicy).toBe('IfNeeded');
    // Deployments written through another group version are still seen (as apps/v1).
    expect(hook.matchPolicy).toBe('Equivalent');
    // Only Deployment writes; never the scale or status subresources, never DELETE/CONNECT.
    for (const rule of hook.rules) {
      expect(rule.resources).toEqual(['deployments']);
      expect([...rule.operations].sort()).toEqual(['CREATE', 'UPDATE']);
    }
    // Never kube-system, nor the namespace the webhook and controller run in: a broken webhook
    // must not be able to block the Deployments that would repair it.
    const excluded = hook.namespaceSelector.matchExpressions.find((e: Doc) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn');
    expect(excluded.values).toEqual(expect.arrayContaining(['kube-system', deployment.metadata.namespace, controller.metadata.namespace]));
    // The Service it calls is the one in that namespace.
    expect(hook.clientConfig.service.namespace).toBe(deployment.metadata.namespace);
  });
});
