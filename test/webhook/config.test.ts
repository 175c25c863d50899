import { describe, expect, it } from 'vitest';
import { readWebhookConfig } from '../../webhook/config.js';

describe('readWebhookConfig', () => {
  it('reads defaults with a certificate directory', () => {
    const config = readWebhookConfig({ SMARTSCALE_WEBHOOK_CERT_DIR: '/certs' });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8443, certDir: '/certs', namespace: 'smartscale-system', serviceName: 'smartscale-webhook' });
    expect(config.policy.clusterMode).toBe('observe');
    expect(config.watchConfig).toBe(true);
    expect(readWebhookConfig({ SMARTSCALE_WEBHOOK_CERT_DIR: '/certs', SMARTSCALE_WATCH_CONFIG: 'false' }).watchConfig).toBe(false);
  });

  it('reads a self-managed Secret and the policy', () => {
    const config = readWebhookConfig({
      SMARTSCALE_WEBHOOK_CERT_SECRET: 'webhook-tls',
      POD_NAMESPACE: 'ops',
      SMARTSCALE_MODE: 'optimize',
      SMARTSCALE_DEFAULT_RPS_PER_POD: '12.5',
      SMARTSCALE_SCALE_DOWN_FRACTION: '0.2',
    });
    expect(config.certSecret).toEqual({ namespace: 'ops', name: 'webhook-tls' });
    expect(config.policy).toMatchObject({ clusterMode: 'optimize', defaultRpsPerPod: 12.5, scaleDownFraction: 0.2 });
  });

  it.each([
    [{}, /SMARTSCALE_WEBHOOK_CERT_DIR/],
    [{ SMARTSCALE_WEBHOOK_CERT_DIR: '/c', SMARTSCALE_MODE: 'turbo' }, /SMARTSCALE_MODE/],
    [{ SMARTSCALE_WEBHOOK_CERT_DIR: '/c', SMARTSCALE_WEBHOOK_PORT: '70000' }, /SMARTSCALE_WEBHOOK_PORT/],
    [{ SMARTSCALE_WEBHOOK_CERT_DIR: '/c', SMARTSCALE_WATCH_CONFIG: 'yes' }, /SMARTSCALE_WATCH_CONFIG/],
    [{ SMARTSCALE_WEBHOOK_CERT_DIR: '/c', SMARTSCALE_SCALE_DOWN_FRACTION: '2' }, /SCALE_DOWN_FRACTION/],
    [{ SMARTSCALE_WEBHOOK_CERT_DIR: '/c', SMARTSCALE_DEFAULT_MIN_REPLICAS: '9', SMARTSCALE_DEFAULT_MAX_REPLICAS: '3' }, /above/],
    [{ SMARTSCALE_WEBHOOK_CERT_DIR: '/c', LOG_LEVEL: 'verbose' }, /^LOG_LEVEL="verbose": expected one of fatal, error, warn, info, debug, trace, silent$/],
    [{ SMARTSCALE_WEBHOOK_CERT_DIR: '/c', LOG_LEVEL: 'INFO' }, /LOG_LEVEL/],
  ])('rejects bad settings %#', (env, message) => {
    expect(() => readWebhookConfig(env)).toThrow(message);
  });
});
