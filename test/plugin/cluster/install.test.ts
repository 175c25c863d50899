import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resourceFor } from '../../../plugin/cluster/install-apply.js';
import { CLUSTER_JOIN_HASH_ANNOTATION, clusterJoinFromFlags, planInstall, runsEc2Controller, type WebhookCertificate } from '../../../plugin/cluster/install-plan.js';
import { JOIN_ENV, TEST_CA, TEST_CA_PEM } from '../../core/controllers/cluster-join-fixtures.js';
import { applyJsonPatch, findManifestsDir, readManifests } from '../../../plugin/cluster/manifests.js';

// The project's manifests/ (found by walking up, so a compiled copy of this test under dist/ works too).
const MANIFESTS = findManifestsDir(import.meta.dirname);
const fakeCert = (tag: string): WebhookCertificate => ({ certPem: `cert-${tag}`, keyPem: `key-${tag}`, caCertPem: `ca-${tag}`, caKeyPem: `cakey-${tag}` });
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('reading the shipped manifests', () => {
  it('finds manifests/ above the plugin', () => {
    expect(findManifestsDir()).toBe(MANIFESTS);
    expect(existsSync(join(MANIFESTS, 'kustomization.yaml'))).toBe(true);
  });

  it('reads the CRDs and the kustomization resources, not the examples', () => {
    const docs = readManifests(MANIFESTS);
    const kinds = docs.map((d) => `${d.object.kind}/${d.object.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['CustomResourceDefinition/nodeclaims.smartscale.io', 'CustomResourceDefinition/nodepools.smartscale.io', 'Namespace/smartscale-system', 'MutatingWebhookConfiguration/smartscale-webhook', 'Deployment/smartscale-webhook', 'Service/smartscale-webhook']));
    expect(kinds.some((k) => k.startsWith('NodePool/'))).toBe(false);
    for (const d of docs) expect(() => resourceFor(d.object)).not.toThrow();
  });

  it('applies the cert-manager component: its Certificate and its patches', () => {
    const docs = readManifests(MANIFESTS, ['webhook/cert-manager']);
    const mwc = docs.find((d) => d.object.kind === 'MutatingWebhookConfiguration')!.object;
    expect(mwc.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe('smartscale-system/smartscale-webhook');
    expect(docs.some((d) => d.object.kind === 'Certificate')).toBe(true);
    const env = docs.find((d) => d.object.kind === 'Deployment')!.object.spec.template.spec.containers[0].env.map((e: { name: string }) => e.name);
    expect(env).toContain('SMARTSCALE_WEBHOOK_CERT_DIR');
  });

  it('refuses kustomize features it does not implement, and bad documents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifests-'));
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [a.yaml]\nnamePrefix: x-\n');
    writeFileSync(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n');
    expect(() => readManifests(dir)).toThrow(/"namePrefix" is not supported/);
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [b.yaml]\n');
    writeFileSync(join(dir, 'b.yaml'), 'kind: ConfigMap\n');
    expect(() => readManifests(dir)).toThrow(/needs apiVersion, kind and metadata.name/);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'kustomization.yaml'), 'resources: [missing.yaml]\n');
    expect(() => readManifests(dir)).toThrow(/does not exist/);
  });

  it('JSON 6902 add/replace/remove', () => {
    const o = { apiVersion: 'v1', kind: 'X', metadata: { name: 'x' }, spec: { list: [1, 2], a: 1 } };
    expect(applyJsonPatch(o, [{ op: 'add', path: '/spec/list/-', value: 3 }, { op: 'replace', path: '/spec/a', value: 2 }, { op: 'remove', path: '/spec/list/0' }]).spec).toEqual({ list: [2, 3], a: 2 });
    expect(o.spec.list).toEqual([1, 2]);
    expect(() => applyJsonPatch(o, [{ op: 'add', path: '/nope/x', value: 1 }])).toThrow(/path does not exist/);
  });
});

describe('planInstall', () => {
  const docs = readManifests(MANIFESTS);

  it('generates the certificate: Secret in the webhook format, CA bundle on every webhook, names for the Service', () => {
    let names: string[] = [];
    const plan = planInstall(docs, { namespace: 'smartscale-system', certManager: false, issue: (n) => ((names = n), fakeCert('new')) });
    expect(plan).toMatchObject({ certificate: 'generated', secretName: 'smartscale-webhook-tls', serviceName: 'smartscale-webhook' });
    expect(names).toEqual(['smartscale-webhook', 'smartscale-webhook.smartscale-system', 'smartscale-webhook.smartscale-system.svc', 'smartscale-webhook.smartscale-system.svc.cluster.local']);
    const secret = plan.objects.find((o) => o.object.kind === 'Secret')!;
    expect(secret.object.type).toBe('kubernetes.io/tls');
    expect(secret.object.data).toEqual({ 'tls.crt': b64('cert-new'), 'tls.key': b64('key-new'), 'ca.crt': b64('ca-new'), 'ca.key': b64('cakey-new') });
    const mwc = plan.objects.find((o) => o.object.kind === 'MutatingWebhookConfiguration')!.object;
    expect(mwc.webhooks.every((w: any) => w.clientConfig.caBundle === b64('ca-new'))).toBe(true);
  });

  it('orders objects so dependencies come first and the webhook configuration last', () => {
    const kinds = planInstall(docs, { namespace: 'smartscale-system', certManager: false, issue: () => fakeCert('x') }).objects.map((o) => o.object.kind);
    expect(kinds[0]).toBe('Namespace');
    expect(kinds.at(-1)).toBe('MutatingWebhookConfiguration');
    expect(kinds.indexOf('CustomResourceDefinition')).toBeLessThan(kinds.indexOf('Deployment'));
    expect(kinds.indexOf('Secret')).toBeLessThan(kinds.indexOf('Deployment'));
  });

  it('reuses an existing certificate without re-applying its Secret, and creates the cluster ConfigMap only when absent', () => {
    const plan = planInstall(docs, { namespace: 'smartscale-system', certManager: false, existing: fakeCert('old'), issue: () => expect.unreachable() as never });
    expect(plan.certificate).toBe('reused');
    expect(plan.objects.find((o) => o.object.kind === 'Secret')!.createOnly).toBe(true);
    const cm = plan.objects.filter((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'smartscale-config');
    expect(cm).toHaveLength(1);
    expect(cm[0]).toMatchObject({ createOnly: true, object: { data: { mode: 'observe' }, metadata: { namespace: 'smartscale-system' } } });
  });

  it('generates the cluster ConfigMap when the manifests have none', () => {
    const withoutConfig = docs.filter((d) => !(d.object.kind === 'ConfigMap' && d.object.metadata.name === 'smartscale-config'));
    const cm = planInstall(withoutConfig, { namespace: 'x', certManager: true, issue: () => expect.unreachable() as never }).objects.find((o) => o.object.metadata.name === 'smartscale-config')!;
    expect(cm).toMatchObject({ createOnly: true, source: '(generated)', object: { data: { mode: 'observe' }, metadata: { namespace: 'x' } } });
  });

  it('moves everything to another namespace, DNS names and selectors included', () => {
    const plan = planInstall(docs, { namespace: 'autoscaling', certManager: false, issue: () => fakeCert('x') });
    const text = JSON.stringify(plan.objects.map((o) => o.object));
    expect(text).not.toContain('smartscale-system');
    expect(plan.objects.find((o) => o.object.kind === 'Namespace')!.object.metadata.name).toBe('autoscaling');
    for (const o of plan.objects) if (resourceFor(o.object).namespaced) expect(o.object.metadata.namespace).toBe('autoscaling');
  });

  it('with cert-manager issues nothing and adds no Secret', () => {
    const plan = planInstall(readManifests(MANIFESTS, ['webhook/cert-manager']), { namespace: 'smartscale-system', certManager: true, issue: () => expect.unreachable() as never });
    expect(plan.certificate).toBe('cert-manager');
    expect(plan.objects.some((o) => o.object.kind === 'Secret')).toBe(false);
    expect(plan.objects.some((o) => o.object.kind === 'Certificate')).toBe(true);
  });
});

describe('how EC2 nodes join the cluster (--cluster-name, --cluster-endpoint, --cluster-ca, --service-cidr)', () => {
  const docs = readManifests(MANIFESTS);
  const flags = { clusterName: 'demo', clusterEndpoint: JOIN_ENV.SMARTSCALE_CLUSTER_ENDPOINT, clusterCa: TEST_CA, serviceCidr: '10.100.0.0/16' };
  const settings = { name: 'demo', endpoint: flags.clusterEndpoint, caBundle: TEST_CA, serviceCidr: '10.100.0.0/16' };

  it('all four valid: the settings; none: nothing (a re-install may keep the cluster\'s)', () => {
    expect(clusterJoinFromFlags(flags)).toEqual({ settings });
    expect(clusterJoinFromFlags({})).toEqual({});
  });

  it.each([
    [{ clusterName: undefined }, /^the controller launches EC2 nodes, which need to know how to join this cluster: give --cluster-name \(the EKS cluster name\); on EKS: aws eks describe-cluster/],
    [{ clusterCa: undefined, serviceCidr: '' }, /give --cluster-ca \(the cluster CA, base64 PEM\), --service-cidr \(the service CIDR\);/],
    [{ clusterEndpoint: 'http://x' }, /^--cluster-endpoint "http:\/\/x": expected an https:\/\/ URL/],
    [{ clusterCa: TEST_CA_PEM }, /^--cluster-ca: expected the PEM base64-encoded .* base64 -w0 ca.pem$/],
    [{ serviceCidr: '10.100.0.0' }, /^--service-cidr "10.100.0.0": expected a CIDR such as 10.100.0.0\/16$/],
  ])('refused: %j', (change, message) => {
    const result = clusterJoinFromFlags({ ...flags, ...change });
    expect(result.settings).toBeUndefined();
    expect(result.error).toMatch(message);
    expect(result.error).not.toContain('\n');
  });

  it('the shipped manifests run an EC2 controller; a webhook-only set does not need the settings', () => {
    expect(runsEc2Controller(docs)).toBe(true);
    expect(runsEc2Controller(docs.filter((d) => d.object.metadata.name !== 'smartscale-controller'))).toBe(false);
    const controller = (container: Record<string, unknown>) => [{ source: 'x.yaml', object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'c' }, spec: { template: { spec: { containers: [container] } } } } }];
    expect(runsEc2Controller(controller({ args: ['controller'] }))).toBe(true); // aws is the process's default
    expect(runsEc2Controller(controller({ args: ['controller'], env: [{ name: 'SMARTSCALE_CLOUD', value: 'simulated' }] }))).toBe(false);
  });

  it('writes them to the ConfigMap smartscale-cluster, applied (the flags say what they are now), keeping other keys', () => {
    const plan = planInstall(docs, { namespace: 'autoscaling', certManager: true, issue: () => expect.unreachable() as never, cluster: settings });
    const cm = plan.objects.filter((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'smartscale-cluster');
    expect(cm).toHaveLength(1);
    expect(cm[0]).toMatchObject({ createOnly: false, object: { metadata: { namespace: 'autoscaling' }, data: { ...JOIN_ENV } } });
    expect(plan.objects.findIndex((o) => o === cm[0])).toBeLessThan(plan.objects.findIndex((o) => o.object.kind === 'Deployment'));
    const withQueue = docs.map((d) => (d.object.metadata.name === 'smartscale-cluster' ? { ...d, object: { ...d.object, data: { SMARTSCALE_INTERRUPTION_QUEUE: 'q' } } } : d));
    const data = planInstall(withQueue, { namespace: 'x', certManager: true, issue: () => expect.unreachable() as never, cluster: settings }).objects.find((o) => o.object.metadata.name === 'smartscale-cluster')!.object.data;
    expect(data).toEqual({ ...JOIN_ENV, SMARTSCALE_INTERRUPTION_QUEUE: 'q' });
  });

  it("rolls the controller when the settings change (a hash of them on its pod template), not when a re-install keeps them", () => {
    const hashOf = (cluster?: typeof settings) => {
      const d = planInstall(docs, { namespace: 'x', certManager: true, issue: () => expect.unreachable() as never, ...(cluster ? { cluster } : {}) }).objects.find((o) => o.object.kind === 'Deployment' && o.object.metadata.name === 'smartscale-controller')!;
      return d.object.spec.template.metadata?.annotations?.[CLUSTER_JOIN_HASH_ANNOTATION];
    };
    expect(hashOf(settings)).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOf({ ...settings })).toBe(hashOf(settings));
    expect(hashOf({ ...settings, serviceCidr: '172.20.0.0/16' })).not.toBe(hashOf(settings));
    expect(hashOf()).toBeUndefined();
    // Only Deployments that read the settings: not the webhook's.
    const others = planInstall(docs, { namespace: 'x', certManager: true, issue: () => expect.unreachable() as never, cluster: settings }).objects.filter((o) => o.object.kind === 'Deployment' && o.object.metadata.name !== 'smartscale-controller');
    for (const o of others) expect(o.object.spec.template.metadata?.annotations?.[CLUSTER_JOIN_HASH_ANNOTATION]).toBeUndefined();
  });

  it('generates the ConfigMap when the manifests have none; without settings it is left as shipped', () => {
    const without = docs.filter((d) => d.object.metadata.name !== 'smartscale-cluster');
    const cm = planInstall(without, { namespace: 'x', certManager: true, issue: () => expect.unreachable() as never, cluster: settings }).objects.find((o) => o.object.metadata.name === 'smartscale-cluster')!;
    expect(cm).toMatchObject({ source: '(generated)', createOnly: false, object: { data: { ...JOIN_ENV }, metadata: { namespace: 'x' } } });
    const shipped = planInstall(docs, { namespace: 'x', certManager: true, issue: () => expect.unreachable() as never }).objects.find((o) => o.object.metadata.name === 'smartscale-cluster')!;
    expect(shipped.object.data ?? {}).toEqual({});
  });
});
