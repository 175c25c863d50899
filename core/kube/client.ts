/**
 * A small typed facade over the Kubernetes REST API: get, list, create, replace, patch (merge, JSON,
 * strategic, apply), delete, subresource posts (binding, eviction) and watch. Any resource —
 * built-in or custom, with or without subresources — is addressed by a `ResourceRef`, so callers
 * need no generated client per kind and no discovery round trip.
 *
 * `HttpKubeClient` takes its server, credentials and CA from client-node's KubeConfig (any auth
 * client-node supports) and speaks HTTPS with a keep-alive agent. Errors are `KubeApiError`s with
 * the server's `Status` code and reason.
 */
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';

export interface ResourceRef {
  /** "" for the core group. */
  group: string;
  version: string;
  /** URL segment, e.g. "deployments". */
  plural: string;
  namespaced: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  finalizers?: string[];
  [key: string]: unknown;
}

/** Any API object; kind-specific fields stay loosely typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: any;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ListResult<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
}

export type PatchKind = 'merge' | 'json' | 'strategic' | 'apply';

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEvent<T extends KubeObject = KubeObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T }
  | { type: 'ERROR'; status: { code?: number; reason?: string; message?: string } };

export interface WatchHandle {
  stop(): void;
}

/** What a DELETE may ask (the API's DeleteOptions, in part). */
export interface DeleteRequestOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { resourceVersion?: string; uid?: string };
  /** Pods: how long the shutdown may take (0: removed at once, as a kubelet does once it has stopped the containers). */
  gracePeriodSeconds?: number;
}

/** A failed API call: `code` is the HTTP status (0 for a network failure), `reason` the Status reason. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof KubeApiError && e.code === 404;
}

export function isConflict(e: unknown): boolean {
  return e instanceof KubeApiError && e.code === 409;
}

/**
 * The contract every implementation keeps: methods reject with KubeApiError; `get` resolves
 * undefined for 404; `delete` resolves false when the object was already gone. Watches deliver
 * events in order and call `onDone` exactly once (with an error unless stopped or closed cleanly).
 */
export interface KubeClient {
  get<T extends KubeObject = KubeObject>(res: ResourceRef, name: string, namespace?: string): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(res: ResourceRef, options?: ListOptions): Promise<ListResult<T>>;
  create<T extends KubeObject = KubeObject>(res: ResourceRef, object: T, namespace?: string): Promise<T>;
  replace<T extends KubeObject = KubeObject>(res: ResourceRef, object: T, subresource?: 'status' | 'scale'): Promise<T>;
  patch<T extends KubeObject = KubeObject>(res: ResourceRef, name: string, namespace: string | undefined, patch: unknown, kind: PatchKind, options?: { subresource?: 'status' | 'scale'; fieldManager?: string; force?: boolean }): Promise<T>;
  delete(res: ResourceRef, name: string, namespace?: string, options?: DeleteRequestOptions): Promise<boolean>;
  /** POST to a subresource of an object (pods/binding, pods/eviction). */
  postSubresource<T = unknown>(res: ResourceRef, name: string, namespace: string | undefined, subresource: string, body: unknown): Promise<T>;
  watch<T extends KubeObject = KubeObject>(res: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void, onDone: (error?: Error) => void): WatchHandle;
}

const PATCH_CONTENT_TYPES: Record<PatchKind, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export function resourcePath(res: ResourceRef, namespace?: string, name?: string, subresource?: string): string {
  const base = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  const ns = res.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${res.plural}${name ? `/${encodeURIComponent(name)}` : ''}${subresource ? `/${subresource}` : ''}`;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class HttpKubeClient implements KubeClient {
  private readonly server: URL;
  private agent: HttpsAgent | HttpAgent | undefined;

  constructor(private readonly kubeConfig: KubeConfig, private readonly fieldManager = 'smartscale') {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = new URL(cluster.server);
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private async options(method: string, path: string, headers: Record<string, string>): Promise<RequestOptions> {
    const opts: RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    if (!this.agent) {
      this.agent = this.server.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername })
        : new HttpAgent({ keepAlive: true });
    }
    const auth = opts.auth ? { Authorization: `Basic ${Buffer.from(opts.auth).toString('base64')}` } : {};
    return {
      method,
      hostname: this.server.hostname.replace(/^\[|\]$/g, ''),
      port: this.server.port,
      path: `${this.server.pathname.replace(/\/$/, '')}${path}`,
      agent: this.agent,
      headers: { Accept: 'application/json', ...(opts.headers as Record<string, string>), ...auth, ...headers },
    };
  }

  private send(options: RequestOptions, body?: string, retried = false): Promise<IncomingMessage> {
    const requestFn = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = requestFn(options, resolve);
      req.on('error', (e: NodeJS.ErrnoException) => {
        // A kept-alive connection the server (or a load balancer) closed just as it was reused: the
        // request never reached it ("socket hang up"). Once more, on a new connection.
        if (!retried && req.reusedSocket && e.code === 'ECONNRESET') {
          this.send(options, body, true).then(resolve, reject);
          return;
        }
        reject(new KubeApiError(0, 'NetworkError', e.message));
      });
      req.end(body);
    });
  }

  private async call<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const options = await this.options(method, path, text === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) });
    const res = await this.send(options, text);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let parsed: any;
    try {
      parsed = raw ? JSON.parse(raw) : undefined;
    } catch {
      parsed = undefined;
    }
    const code = res.statusCode ?? 0;
    if (code >= 400) throw new KubeApiError(code, parsed?.reason ?? 'Unknown', parsed?.message ?? `${method} ${path}: HTTP ${code}`);
    return parsed as T;
  }

  async get<T extends KubeObject>(res: ResourceRef, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.call<T>('GET', resourcePath(res, namespace, name));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list<T extends KubeObject>(res: ResourceRef, options: ListOptions = {}): Promise<ListResult<T>> {
    const list = await this.call<{ items: T[]; metadata: { resourceVersion: string } }>(
      'GET',
      resourcePath(res, options.namespace) + query({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector }),
    );
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  create<T extends KubeObject>(res: ResourceRef, object: T, namespace?: string): Promise<T> {
    return this.call<T>('POST', resourcePath(res, namespace ?? object.metadata.namespace) + query({ fieldManager: this.fieldManager }), object);
  }

  replace<T extends KubeObject>(res: ResourceRef, object: T, subresource?: 'status' | 'scale'): Promise<T> {
    return this.call<T>('PUT', resourcePath(res, object.metadata.namespace, object.metadata.name, subresource) + query({ fieldManager: this.fieldManager }), object);
  }

  patch<T extends KubeObject>(res: ResourceRef, name: string, namespace: string | undefined, patch: unknown, kind: PatchKind, options: { subresource?: 'status' | 'scale'; fieldManager?: string; force?: boolean } = {}): Promise<T> {
    const q = query({ fieldManager: options.fieldManager ?? this.fieldManager, force: kind === 'apply' ? options.force : undefined });
    return this.call<T>('PATCH', resourcePath(res, namespace, name, options.subresource) + q, patch, PATCH_CONTENT_TYPES[kind]);
  }

  async delete(res: ResourceRef, name: string, namespace?: string, options: DeleteRequestOptions = {}): Promise<boolean> {
    try {
      await this.call('DELETE', resourcePath(res, namespace, name), { kind: 'DeleteOptions', apiVersion: 'v1', ...options });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  postSubresource<T>(res: ResourceRef, name: string, namespace: string | undefined, subresource: string, body: unknown): Promise<T> {
    return this.call<T>('POST', resourcePath(res, namespace, name, subresource), body);
  }

  watch<T extends KubeObject>(res: ResourceRef, options: WatchOptions, onEvent: (event: WatchEvent<T>) => void, onDone: (error?: Error) => void): WatchHandle {
    let stopped = false;
    let done = false;
    let response: IncomingMessage | undefined;
    let request: ReturnType<typeof httpsRequest> | undefined;
    const finish = (error?: Error) => {
      if (done) return;
      done = true;
      onDone(stopped ? undefined : error);
    };
    const path =
      resourcePath(res, options.namespace) +
      query({
        watch: 'true',
        resourceVersion: options.resourceVersion,
        allowWatchBookmarks: options.allowWatchBookmarks ? 'true' : undefined,
        labelSelector: options.labelSelector,
        fieldSelector: options.fieldSelector,
        timeoutSeconds: options.timeoutSeconds,
      });
    (async () => {
      const reqOptions = await this.options('GET', path, {});
      const requestFn = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
      request = requestFn(reqOptions, (res2) => {
        response = res2;
        if ((res2.statusCode ?? 0) >= 400) {
          const chunks: Buffer[] = [];
          res2.on('data', (c) => chunks.push(c));
          res2.on('end', () => {
            let status: any = {};
            try {
              status = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              /* not a Status body */
            }
            finish(new KubeApiError(res2.statusCode ?? 0, status.reason ?? 'Unknown', status.message ?? `watch ${path}: HTTP ${res2.statusCode}`));
          });
          return;
        }
        const lines = createInterface({ input: res2, crlfDelay: Infinity });
        lines.on('line', (line) => {
          if (stopped || line.trim() === '') return;
          let event: any;
          try {
            event = JSON.parse(line);
          } catch {
            return;
          }
          if (event.type === 'ERROR') onEvent({ type: 'ERROR', status: event.object ?? {} });
          else onEvent({ type: event.type, object: event.object });
        });
        // readline re-emits the stream's errors; without a listener they would be uncaught.
        lines.on('error', (e) => finish(e));
        lines.on('close', () => finish());
        res2.on('error', (e) => finish(e));
      });
      request.on('error', (e) => finish(new KubeApiError(0, 'NetworkError', e.message)));
      request.end();
      if (stopped) request.destroy();
    })().catch((e) => finish(e instanceof Error ? e : new Error(String(e))));
    return {
      stop() {
        if (stopped) return;
        stopped = true;
        response?.destroy();
        request?.destroy();
        finish();
      },
    };
  }
}
