import { describe, expect, it } from 'vitest';
import { InMemorySecretsApi, SecretCertificateStore } from '../../../core/kube/secrets.js';
import { ensureServingCertificate } from '../../../core/tls/index.js';

const opts = { dnsNames: ['smartscale-webhook.smartscale-system.svc'], caCommonName: 'ca', validityDays: 30, nowMs: Date.parse('2026-01-01T00:00:00Z') };

describe('SecretCertificateStore', () => {
  it('stores the bundle as a kubernetes.io/tls Secret with the CA key beside it', async () => {
    const api = new InMemorySecretsApi();
    const store = new SecretCertificateStore(api, 'smartscale-system', 'smartscale-webhook-tls');
    const { bundle } = await ensureServingCertificate(store, opts);
    const secret = api.secrets.get('smartscale-system/smartscale-webhook-tls')!;
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(secret.data).toEqual({ 'tls.crt': bundle.certPem, 'tls.key': bundle.keyPem, 'ca.crt': bundle.caCertPem, 'ca.key': bundle.caKeyPem });
  });

  it('gives every replica the same certificate, written once', async () => {
    const api = new InMemorySecretsApi();
    const replicas = [0, 1, 2].map(() => new SecretCertificateStore(api, 'ns', 'tls'));
    const results = await Promise.all(replicas.map((store) => ensureServingCertificate(store, opts)));
    expect(new Set(results.map((r) => r.bundle.certPem)).size).toBe(1);
    expect(results.filter((r) => r.outcome === 'issued-with-new-ca')).toHaveLength(1);
  });

  it('replaces an incomplete Secret', async () => {
    const api = new InMemorySecretsApi();
    await api.create('ns', 'tls', 'Opaque', { 'tls.crt': 'half' });
    const store = new SecretCertificateStore(api, 'ns', 'tls');
    const result = await ensureServingCertificate(store, opts);
    expect(result.outcome).toBe('issued-with-new-ca');
    expect(api.secrets.get('ns/tls')!.data['tls.crt']).toBe(result.bundle.certPem);
  });

  it('refuses a replace from a stale version', async () => {
    const api = new InMemorySecretsApi();
    await api.create('ns', 'tls', 'Opaque', { a: '1' });
    const { resourceVersion } = (await api.read('ns', 'tls'))!;
    expect(await api.replace('ns', 'tls', 'Opaque', { a: '2' }, resourceVersion)).toBe(true);
    expect(await api.replace('ns', 'tls', 'Opaque', { a: '3' }, resourceVersion)).toBe(false);
  });
});
