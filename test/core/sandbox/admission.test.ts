import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServingCertificate } from '../../../core/tls/index.js';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { SERVICE_ENDPOINT_ANNOTATION } from '../../../core/sandbox/apiserver/admission.js';
import { deployment, raw, startTestServer } from './support.js';

/** A fake webhook over TLS: records reviews and answers with `respond`. */
interface FakeWebhook {
  url: string;
  port: number;
  caBundle: string;
  reviews: any[];
  respond: (review: any) => any;
  close(): Promise<void>;
}

async function fakeWebhook(dnsNames = ['localhost']): Promise<FakeWebhook> {
  const ca = createCertificateAuthority({ commonName: 'test-webhook-ca', validityDays: 1 });
  const cert = issueServingCertificate(ca, { dnsNames, ipAddresses: ['127.0.0.1'], validityDays: 1 });
  const hook: Partial<FakeWebhook> = { reviews: [], respond: (r) => ({ uid: r.request.uid, allowed: true }) };
  const server: Server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      hook.reviews!.push(review);
      const response = await hook.respond!(review);
      if (response === 'hang') return;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(hook, {
    url: `https://localhost:${port}/mutate`,
    port,
    caBundle: Buffer.from(cert.caPem).toString('base64'),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  }) as FakeWebhook;
}

function patchOf(ops: unknown[]): string {
  return Buffer.from(JSON.stringify(ops)).toString('base64');
}

const CONFIGS = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

function configuration(name: string, hook: FakeWebhook, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name },
    webhooks: [
      {
        name: `${name}.smartscale.io`,
        clientConfig: { url: hook.url, caBundle: hook.caBundle },
        rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }],
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        timeoutSeconds: 1,
        ...extra,
      },
    ],
  };
}

let server: RunningApiServer;
let hook: FakeWebhook;
beforeAll(async () => {
  server = await startTestServer();
  hook = await fakeWebhook();
});
afterAll(async () => {
  await server.close();
  await hook.close();
});

async function withConfiguration(config: any, run: () => Promise<void>): Promise<void> {
  const created = await raw(server, 'POST', CONFIGS, config);
  expect(created.status, created.text).toBe(201);
  try {
    hook.reviews.length = 0;
    await run();
  } finally {
    await raw(server, 'DELETE', `${CONFIGS}/${config.metadata.name}`);
  }
}

describe('sandbox admission: mutating webhooks', () => {
  it('[A1] sends an AdmissionReview v1 over TLS with the caBundle and applies the JSONPatch; warnings reach the client', async () => {
    hook.respond = (r) => ({ uid: r.request.uid, allowed: true, patchType: 'JSONPatch', patch: patchOf([{ op: 'add', path: '/metadata/annotations', value: { 'smartscale.io/target-replicas': '4' } }]), warnings: ['adjusted'] });
    await withConfiguration(configuration('a1', hook), async () => {
      const r = await raw(server, 'POST', DEPLOYMENTS, deployment('a1'));
      expect(r.status).toBe(201);
      expect(r.body.metadata.annotations).toEqual({ 'smartscale.io/target-replicas': '4' });
      expect(r.headers.warning).toContain('adjusted');
      const req = hook.reviews[0].request;
      expect(hook.reviews[0]).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
      expect(req).toMatchObject({ operation: 'CREATE', kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, resource: { resource: 'deployments' }, namespace: 'default', name: 'a1' });
      expect(req.object.metadata.name).toBe('a1');
      const update = await raw(server, 'PATCH', `${DEPLOYMENTS}/a1`, { spec: { replicas: 2 } }, { 'Content-Type': 'application/merge-patch+json' });
      expect(update.status).toBe(200);
      expect(hook.reviews[1].request.operation).toBe('UPDATE');
      expect(hook.reviews[1].request.oldObject.spec.replicas).toBe(1);
      // Rules: configmaps are not matched.
      await raw(server, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'a1' } });
      expect(hook.reviews).toHaveLength(2);
    });
  });

  it('[A2] a denial fails the request with the webhook message and stores nothing', async () => {
    hook.respond = (r) => ({ uid: r.request.uid, allowed: false, status: { code: 403, message: 'not today' } });
    await withConfiguration(configuration('a2', hook), async () => {
      const r = await raw(server, 'POST', DEPLOYMENTS, deployment('a2'));
      expect(r.status).toBe(403);
      expect(r.body.message).toBe('admission webhook "a2.smartscale.io" denied the request: not today');
      expect((await raw(server, 'GET', `${DEPLOYMENTS}/a2`)).status).toBe(404);
    });
  });

  it('[A3] failurePolicy: an unreachable or timed-out webhook fails the request under Fail and is skipped under Ignore', async () => {
    hook.respond = () => 'hang';
    await withConfiguration(configuration('a3', hook, { failurePolicy: 'Fail' }), async () => {
      const started = Date.now();
      const r = await raw(server, 'POST', DEPLOYMENTS, deployment('a3'));
      expect(r.status).toBe(500);
      expect(r.body.message).toContain('failed calling webhook "a3.smartscale.io"');
      expect(Date.now() - started).toBeLessThan(3000);
    });
    await withConfiguration(configuration('a3i', hook, { failurePolicy: 'Ignore' }), async () => {
      const r = await raw(server, 'POST', DEPLOYMENTS, deployment('a3'));
      expect(r.status).toBe(201);
    });
    const wrongCa = configuration('a3ca', hook, { failurePolicy: 'Fail' });
    wrongCa.webhooks[0].clientConfig.caBundle = Buffer.from(createCertificateAuthority({ commonName: 'other', validityDays: 1 }).certPem).toString('base64');
    hook.respond = (r) => ({ uid: r.request.uid, allowed: true });
    await withConfiguration(wrongCa, async () => {
      const r = await raw(server, 'POST', DEPLOYMENTS, deployment('a3ca'));
      expect(r.status).toBe(500);
    });
  });

  it('[A4] namespaceSelector and objectSelector decide which objects are sent', async () => {
    hook.respond = (r) => ({ uid: r.request.uid, allowed: true });
    await raw(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'a4', labels: { smartscale: 'on' } } });
    await withConfiguration(configuration('a4', hook, { namespaceSelector: { matchLabels: { smartscale: 'on' } }, objectSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] } }), async () => {
      await raw(server, 'POST', DEPLOYMENTS, deployment('a4-other-ns', 1, { metadata: { labels: { app: 'a4-other-ns', tier: 'web' } } }));
      await raw(server, 'POST', '/apis/apps/v1/namespaces/a4/deployments', deployment('a4-no-label'));
      await raw(server, 'POST', '/apis/apps/v1/namespaces/a4/deployments', deployment('a4-yes', 1, { metadata: { labels: { app: 'a4-yes', tier: 'web' } } }));
      expect(hook.reviews.map((r) => r.request.name)).toEqual(['a4-yes']);
    });
  });

  it('[A5] matchConditions in CEL select requests (has(), map index, &&); a failing expression follows failurePolicy', async () => {
    hook.respond = (r) => ({ uid: r.request.uid, allowed: true });
    const conditions = [{ name: 'opted-in', expression: "has(object.metadata.annotations) && object.metadata.annotations['smartscale.io/enabled'] == 'true'" }];
    await withConfiguration(configuration('a5', hook, { matchConditions: conditions }), async () => {
      await raw(server, 'POST', DEPLOYMENTS, deployment('a5-off'));
      await raw(server, 'POST', DEPLOYMENTS, deployment('a5-on', 1, { metadata: { labels: { app: 'a5-on' }, annotations: { 'smartscale.io/enabled': 'true' } } }));
      expect(hook.reviews.map((r) => r.request.name)).toEqual(['a5-on']);
    });
    const broken = [{ name: 'broken', expression: "object.metadata.annotations['x'] == 'y'" }];
    await withConfiguration(configuration('a5f', hook, { matchConditions: broken, failurePolicy: 'Fail' }), async () => {
      const r = await raw(server, 'POST', DEPLOYMENTS, deployment('a5-err'));
      expect(r.status).toBe(500);
      expect(r.body.message).toContain('failed to evaluate match condition broken');
    });
  });

  it('[A6] a webhook reached through a Service is verified against <name>.<namespace>.svc', async () => {
    const svcHook = await fakeWebhook(['smartscale-webhook.smartscale-system.svc']);
    try {
      await raw(server, 'POST', '/api/v1/namespaces', { metadata: { name: 'smartscale-system' } });
      await raw(server, 'POST', '/api/v1/namespaces/smartscale-system/services', {
        metadata: { name: 'smartscale-webhook', annotations: { [SERVICE_ENDPOINT_ANNOTATION]: `https://127.0.0.1:${svcHook.port}` } },
        spec: { ports: [{ port: 443 }] },
      });
      svcHook.respond = (r) => ({ uid: r.request.uid, allowed: true, patchType: 'JSONPatch', patch: patchOf([{ op: 'replace', path: '/spec/replicas', value: 3 }]) });
      const config = configuration('a6', svcHook);
      config.webhooks[0].clientConfig = { service: { namespace: 'smartscale-system', name: 'smartscale-webhook', path: '/mutate', port: 443 }, caBundle: svcHook.caBundle } as any;
      const created = await raw(server, 'POST', CONFIGS, config);
      expect(created.status).toBe(201);
      const r = await raw(server, 'POST', DEPLOYMENTS, deployment('a6'));
      expect(r.status, r.text).toBe(201);
      expect(r.body.spec.replicas).toBe(3);
      await raw(server, 'DELETE', `${CONFIGS}/a6`);
    } finally {
      await svcHook.close();
    }
  });
});
