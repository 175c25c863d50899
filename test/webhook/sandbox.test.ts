/**
 * End to end against the sandbox API server: the real manifests (namespace, Service,
 * MutatingWebhookConfiguration with its CEL match condition), the webhook over TLS with its
 * certificate kept in a Secret and its CA written into the configuration through client-node, its
 * policy watched from `smartscale-config` (edited with the real kubectl), and Deployments created
 * through the API — opted in, not opted in, dryRun.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigWarnings, watchClusterConfig } from '../../core/controllers/config-watch.js';
import { KubeEventRecorder } from '../../core/controllers/events.js';
import type { KubeObject, ResourceRef } from '../../core/kube/client.js';
import type { Informer } from '../../core/kube/informer.js';
import { kubeSecretsApi, SecretCertificateStore } from '../../core/kube/secrets.js';
import { kubeCaBundlePublisher } from '../../core/kube/webhook-configuration.js';
import { systemClock } from '../../core/model/clock.js';
import { SERVICE_ENDPOINT_ANNOTATION } from '../../core/sandbox/apiserver/admission.js';
import { startSandbox, type Sandbox } from '../../core/sandbox/sandbox.js';
import { inspectCertificate, isSignedBy, serviceDnsNames } from '../../core/tls/index.js';
import { startWebhook, type RunningWebhook } from '../../webhook/serve.js';
import { findKubectl } from '../e2e/support.js';
import { HPA_RESOURCE, watchHpaOwnership, type HpaWatch } from '../../webhook/hpa-ownership.js';
import { watchPolicy } from '../../webhook/policy.js';
import { StoreCertificateSource } from '../../webhook/tls.js';
import { deployment, forecast, optedIn, POLICY, projectRoot } from './builders.js';

const manifests = join(projectRoot(), 'manifests');
const load = (path: string) => loadAll(readFileSync(join(manifests, path), 'utf8')) as KubeObject[];

const NAMESPACES: ResourceRef = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };
const SERVICES: ResourceRef = { group: '', version: 'v1', plural: 'services', namespaced: true };
const SECRETS: ResourceRef = { group: '', version: 'v1', plural: 'secrets', namespaced: true };
const EVENTS: ResourceRef = { group: '', version: 'v1', plural: 'events', namespaced: true };
const CONFIGS: ResourceRef = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false };

let sandbox: Sandbox;
let webhook: RunningWebhook;
let apps: AppsV1Api;
let hpas: HpaWatch;
let configMaps: Informer<KubeObject>;
let dir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ controlPlane: false });
  const kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfig);
  apps = kc.makeApiClient(AppsV1Api);
  for (const ns of [...load('namespace.yaml'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }]) await sandbox.client.create(NAMESPACES, ns);
  const [config] = load('webhook/mutatingwebhookconfiguration.yaml');
  await sandbox.client.create(CONFIGS, config);
  hpas = watchHpaOwnership(sandbox.client, systemClock, () => undefined);
  // No smartscale-config until the last tests: the fallback (optimize, POLICY's defaults) applies.
  configMaps = watchClusterConfig(sandbox.client, { clock: systemClock });
  const events = new KubeEventRecorder(sandbox.client, systemClock);
  const policy = watchPolicy({ configMaps, namespace: 'smartscale-system', fallback: { ...POLICY, clusterMode: 'optimize' }, warnings: new ConfigWarnings(events, 'smartscale-system'), logger: pino({ level: 'silent' }) });
  void configMaps.start();
  dir = mkdtempSync(join(tmpdir(), 'smartscale-webhook-sandbox-'));
  writeFileSync(join(dir, 'kubeconfig'), sandbox.kubeconfig);
  const store = new SecretCertificateStore(kubeSecretsApi(kc), 'smartscale-system', 'smartscale-webhook-tls');
  webhook = await startWebhook({
    logger: pino({ level: 'silent' }),
    source: new StoreCertificateSource(store, { dnsNames: serviceDnsNames('smartscale-webhook', 'smartscale-system'), caCommonName: 'smartscale-webhook-ca' }, systemClock),
    publishCa: kubeCaBundlePublisher(kc, 'smartscale-webhook').publish,
    host: '127.0.0.1',
    port: 0,
    policy: () => policy.current(),
    ownership: hpas.ownership,
    isReady: () => hpas.hasSynced() && configMaps.hasSynced(),
  });
  // The sandbox has no cluster network: the Service says where its endpoint is.
  const [service] = load('webhook/service.yaml');
  service.metadata.annotations = { [SERVICE_ENDPOINT_ANNOTATION]: `https://127.0.0.1:${webhook.address.port}` };
  await sandbox.client.create(SERVICES, service, 'smartscale-system');
}, 60_000);

afterAll(async () => {
  hpas?.stop();
  configMaps?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await webhook?.close();
  await sandbox?.stop();
});

function body(name: string, annotations: Record<string, string> | undefined, replicas = 5): V1Deployment {
  const d = deployment({ name, namespace: 'shop', replicas, annotations: annotations ?? {} }) as unknown as V1Deployment;
  if (!annotations) delete d.metadata!.annotations;
  return d;
}

const fresh = () => optedIn({}, forecast({ generatedAt: Math.floor(Date.now() / 1000) - 30 })) as Record<string, string>;

describe('the webhook behind the sandbox API server', { timeout: 30_000 }, () => {
  it('keeps its certificate in the Secret and its CA in the configuration', async () => {
    const secret = await sandbox.client.get(SECRETS, 'smartscale-webhook-tls', 'smartscale-system');
    expect(secret?.type).toBe('kubernetes.io/tls');
    const certPem = Buffer.from(secret!.data['tls.crt'], 'base64').toString();
    const caPem = Buffer.from(secret!.data['ca.crt'], 'base64').toString();
    expect(isSignedBy(certPem, caPem)).toBe(true);
    expect(inspectCertificate(certPem).dnsNames).toContain('smartscale-webhook.smartscale-system.svc');
    const config = await sandbox.client.get(CONFIGS, 'smartscale-webhook');
    expect(Buffer.from(config!.webhooks[0].clientConfig.caBundle, 'base64').toString()).toBe(caPem);
  });

  it('mutates an opted-in Deployment on create: target, capacity, replicas', async () => {
    const created = await apps.createNamespacedDeployment({ namespace: 'shop', body: body('checkout', fresh()) });
    expect(created.spec?.replicas).toBe(11);
    const annotations = created.metadata?.annotations ?? {};
    expect(annotations['smartscale.io/target-replicas']).toBe('11');
    expect(annotations['smartscale.io/peak-replicas']).toBe('20');
    expect(JSON.parse(annotations['smartscale.io/capacity'])).toMatchObject({ replicas: 15, cpu: '3750m', memory: '7680Mi', pods: 15 });
    expect(JSON.parse(annotations['smartscale.io/decision'])).toMatchObject({ action: 'scale-up', from: 5, to: 11 });
  });

  it('keeps the forecast target when a manifest with a stale replicas: is applied', async () => {
    const live = await apps.readNamespacedDeployment({ name: 'checkout', namespace: 'shop' });
    // A manifest applied with `replicas: 2` and a newer forecast asking for 11: from 11 running, hold.
    live.spec!.replicas = 2;
    live.metadata!.annotations!['smartscale.io/forecast'] = fresh()['smartscale.io/forecast'];
    const updated = await apps.replaceNamespacedDeployment({ name: 'checkout', namespace: 'shop', body: live });
    expect(updated.spec?.replicas).toBe(11);
  });

  it('leaves Deployments that are not opted in alone (the CEL condition skips the call)', async () => {
    const before = (await webhook.app.inject({ method: 'GET', url: '/metrics' })).body;
    const created = await apps.createNamespacedDeployment({ namespace: 'shop', body: body('plain', undefined) });
    expect(created.spec?.replicas).toBe(5);
    expect(created.metadata?.annotations?.['smartscale.io/decision']).toBeUndefined();
    const after = (await webhook.app.inject({ method: 'GET', url: '/metrics' })).body;
    const count = (text: string) => (text.match(/_admission_duration_seconds_count (\d+)/)?.[1] ?? '0');
    expect(count(after)).toBe(count(before));
  });

  it('shows the mutation on a dryRun create without storing anything', async () => {
    const dry = await apps.createNamespacedDeployment({ namespace: 'shop', body: body('dry', fresh()), dryRun: 'All' });
    expect(dry.spec?.replicas).toBe(11);
    await expect(apps.readNamespacedDeployment({ name: 'dry', namespace: 'shop' })).rejects.toThrow();
    const metrics = (await webhook.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('smartscale_webhook_admissions_total{result="patched",dry_run="true"} 1');
  });

  it('leaves spec.replicas to an HPA that targets the Deployment, and says so', async () => {
    await sandbox.client.create(
      HPA_RESOURCE,
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'cart', namespace: 'shop' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'cart' }, minReplicas: 1, maxReplicas: 10 },
      },
      'shop',
    );
    const deadline = Date.now() + 10_000;
    while (!hpas.ownership.hpaOwnsReplicas('shop', 'cart') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const created = await apps.createNamespacedDeployment({ namespace: 'shop', body: body('cart', fresh()) });
    expect(created.spec?.replicas).toBe(5);
    expect(created.metadata?.annotations?.['smartscale.io/replicas-owner']).toBe('hpa');
    expect(created.metadata?.annotations?.['smartscale.io/target-replicas']).toBe('11');
    expect((await webhook.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});

const KUBECTL = findKubectl();

function kubectl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(KUBECTL!, ['--kubeconfig', join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), '-n', 'smartscale-system', ...args], { env: { ...process.env, HOME: dir }, timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve(stdout),
    );
  });
}

/** Until the webhook's informer holds the ConfigMap as kubectl left it. */
async function seen(key: string, value: string | undefined): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (configMaps.get('smartscale-config', 'smartscale-system')?.data?.[key] !== value && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(configMaps.get('smartscale-config', 'smartscale-system')?.data?.[key]).toBe(value);
}

describe.skipIf(!KUBECTL)('the policy follows smartscale-config, edited with kubectl', { timeout: 60_000 }, () => {
  const decision = (d: V1Deployment) => JSON.parse(d.metadata?.annotations?.['smartscale.io/decision'] ?? '{}');

  it('observe mode from the ConfigMap: the next admission leaves replicas alone', async () => {
    await kubectl('create', 'configmap', 'smartscale-config', '--from-literal=mode=observe');
    await seen('mode', 'observe');
    const created = await apps.createNamespacedDeployment({ namespace: 'shop', body: body('observed', fresh()) });
    expect(created.spec?.replicas).toBe(5);
    expect(decision(created)).toMatchObject({ action: 'observe', mode: 'observe', to: 11 });
  });

  it('optimize with a default maximum: the next admission scales up to it', async () => {
    await kubectl('patch', 'configmap', 'smartscale-config', '--type=merge', '-p', JSON.stringify({ data: { mode: 'optimize', 'webhook.defaultMaxReplicas': '8' } }));
    await seen('webhook.defaultMaxReplicas', '8');
    const created = await apps.createNamespacedDeployment({ namespace: 'shop', body: body('capped', fresh()) });
    expect(created.spec?.replicas).toBe(8);
    expect(decision(created)).toMatchObject({ action: 'scale-up', mode: 'optimize', from: 5, to: 8 });
  });

  it('an invalid value is ignored: the fallback applies and an InvalidConfig Event says why', async () => {
    await kubectl('patch', 'configmap', 'smartscale-config', '--type=merge', '-p', JSON.stringify({ data: { 'webhook.defaultMaxReplicas': 'lots' } }));
    await seen('webhook.defaultMaxReplicas', 'lots');
    const created = await apps.createNamespacedDeployment({ namespace: 'shop', body: body('uncapped', fresh()) });
    expect(created.spec?.replicas).toBe(11);
    expect((await webhook.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const deadline = Date.now() + 10_000;
    let events: KubeObject[] = [];
    while (Date.now() < deadline) {
      events = (await sandbox.client.list(EVENTS, { namespace: 'smartscale-system' })).items.filter((e) => e.reason === 'InvalidConfig');
      if (events.length > 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(events).toHaveLength(1);
    expect(events[0].involvedObject).toMatchObject({ kind: 'ConfigMap', name: 'smartscale-config' });
    expect(events[0].message).toContain('webhook.defaultMaxReplicas="lots" ignored');
  });

  it('without the ConfigMap the fallback applies again', async () => {
    await kubectl('delete', 'configmap', 'smartscale-config');
    await seen('mode', undefined);
    const created = await apps.createNamespacedDeployment({ namespace: 'shop', body: body('fallback', fresh()) });
    expect(decision(created)).toMatchObject({ action: 'scale-up', mode: 'optimize', to: 11 });
  });
});
