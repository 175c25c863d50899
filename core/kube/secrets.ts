/**
 * Certificates kept in a Kubernetes Secret, so every replica of a server serves the same one.
 *
 * The Secret is of type `kubernetes.io/tls` (`tls.crt`, `tls.key`, `ca.crt`) plus `ca.key`, which
 * any replica needs to renew. Writes are compare-and-swap on `resourceVersion`: create fails with 409
 * when a peer created it first, replace fails with 409 when a peer replaced it first.
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { CertificateBundle, CertificateStore, StoredBundle } from '../tls/store.js';

/** The Secret operations the store needs; a narrow facade so tests can pass an in-memory fake. */
export interface SecretsApi {
  /** The Secret's string data (decoded) and resourceVersion, or undefined when it does not exist. */
  read(namespace: string, name: string): Promise<{ data: Record<string, string>; resourceVersion: string } | undefined>;
  /** Creates it; returns false when it already exists (409). */
  create(namespace: string, name: string, type: string, data: Record<string, string>): Promise<boolean>;
  /** Replaces it if its resourceVersion is still `resourceVersion`; returns false on a conflict (409) or when it is gone (404). */
  replace(namespace: string, name: string, type: string, data: Record<string, string>, resourceVersion: string): Promise<boolean>;
}

const KEYS = { cert: 'tls.crt', key: 'tls.key', caCert: 'ca.crt', caKey: 'ca.key' } as const;
const SECRET_TYPE = 'kubernetes.io/tls';

export class SecretCertificateStore implements CertificateStore {
  constructor(
    private readonly api: SecretsApi,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  async load(): Promise<StoredBundle | undefined> {
    const secret = await this.api.read(this.namespace, this.name);
    if (!secret) return undefined;
    const d = secret.data;
    const bundle: CertificateBundle = { certPem: d[KEYS.cert] ?? '', keyPem: d[KEYS.key] ?? '', caCertPem: d[KEYS.caCert] ?? '', caKeyPem: d[KEYS.caKey] ?? '' };
    // An incomplete Secret still has a version: returning it lets ensureServingCertificate replace it.
    return { bundle, version: secret.resourceVersion };
  }

  async save(bundle: CertificateBundle, expectedVersion: string | undefined): Promise<boolean> {
    const data = { [KEYS.cert]: bundle.certPem, [KEYS.key]: bundle.keyPem, [KEYS.caCert]: bundle.caCertPem, [KEYS.caKey]: bundle.caKeyPem };
    if (expectedVersion === undefined) return this.api.create(this.namespace, this.name, SECRET_TYPE, data);
    return this.api.replace(this.namespace, this.name, SECRET_TYPE, data, expectedVersion);
  }
}

function statusOf(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown; statusCode?: unknown })?.code ?? (err as { statusCode?: unknown })?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function encode(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
}

function decode(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

/** The real SecretsApi, through @kubernetes/client-node's CoreV1Api. */
export function kubeSecretsApi(kubeConfig: KubeConfig): SecretsApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const body = (namespace: string, name: string, type: string, data: Record<string, string>, resourceVersion?: string): V1Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, resourceVersion, labels: { 'app.kubernetes.io/managed-by': 'smartscale' } },
    type,
    data: encode(data),
  });
  return {
    async read(namespace, name) {
      try {
        const secret = await core.readNamespacedSecret({ name, namespace });
        return { data: decode(secret.data), resourceVersion: secret.metadata?.resourceVersion ?? '' };
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async create(namespace, name, type, data) {
      try {
        await core.createNamespacedSecret({ namespace, body: body(namespace, name, type, data) });
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false;
        throw err;
      }
    },
    async replace(namespace, name, type, data, resourceVersion) {
      try {
        await core.replaceNamespacedSecret({ name, namespace, body: body(namespace, name, type, data, resourceVersion) });
        return true;
      } catch (err) {
        const status = statusOf(err);
        if (status === 409 || status === 404) return false;
        throw err;
      }
    },
  };
}

/** An in-memory SecretsApi with the API server's resourceVersion semantics; for tests and the sandbox. */
export class InMemorySecretsApi implements SecretsApi {
  readonly secrets = new Map<string, { type: string; data: Record<string, string>; resourceVersion: string }>();
  private version = 0;

  async read(namespace: string, name: string) {
    const s = this.secrets.get(`${namespace}/${name}`);
    return s && { data: { ...s.data }, resourceVersion: s.resourceVersion };
  }

  async create(namespace: string, name: string, type: string, data: Record<string, string>): Promise<boolean> {
    const key = `${namespace}/${name}`;
    if (this.secrets.has(key)) return false;
    this.secrets.set(key, { type, data: { ...data }, resourceVersion: String(++this.version) });
    return true;
  }

  async replace(namespace: string, name: string, type: string, data: Record<string, string>, resourceVersion: string): Promise<boolean> {
    const key = `${namespace}/${name}`;
    const current = this.secrets.get(key);
    if (!current || current.resourceVersion !== resourceVersion) return false;
    this.secrets.set(key, { type, data: { ...data }, resourceVersion: String(++this.version) });
    return true;
  }
}
