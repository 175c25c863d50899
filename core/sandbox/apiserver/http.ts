/**
 * The HTTP face of the sandbox API server: routes Kubernetes REST paths to the REST core, speaks
 * JSON (and YAML for apply), serves Tables when asked (`as=Table`), streams watches, and turns
 * every failure into a `Status` body. It is a plain `(req, res)` handler so it can sit behind
 * node:https (the sandbox) or node:http (tests).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { load as loadYaml } from 'js-yaml';
import { ApiError, badRequest, methodNotAllowed, notFound, unsupportedMediaType } from './errors.js';
import { decodeKubernetesProtobuf, ProtobufError } from './protobuf.js';
import { apiGroupDocument, apiGroupList, apiResourceList, apiVersions, openApiV3GroupVersion, openApiV3Root, SERVER_VERSION } from './discovery.js';
import type { ApiCore, DeleteOptions, PatchType, WriteResult } from './rest.js';
import { groupVersion, resourceKey, type ResourceType } from './resources.js';
import { SelectorError, selectorPredicate, type Predicate } from './selectors.js';
import { writeChunked } from './chunked-body.js';
import { entryBuffer, entryJson, type Entry, type StoredEvent } from './store.js';
import { bindPod, evictPod, toScale, writeScale } from './subresources.js';
import { toTable, type IncludeObject } from './tables.js';

type Obj = Record<string, any>;

export interface HttpOptions {
  /** Bearer token clients must present; undefined disables authentication (tests). */
  token?: string;
  /** "host:port" advertised in /api. */
  serverAddress: () => string;
  /** Interval between watch bookmarks when a client allows them. */
  bookmarkIntervalMs?: number;
  maxBodyBytes?: number;
  onError?: (error: unknown) => void;
}

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  watchPrefix: boolean;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (error.code === 429) headers['Retry-After'] = '1';
  send(res, error.code, error.toStatus(), headers);
}

function warningHeaders(warnings: string[]): Record<string, string> {
  if (warnings.length === 0) return {};
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Past the limit the rest is read and dropped, so the client gets its 413; far past it, hang up.
    if (size > limit * 4) {
      req.destroy();
      break;
    }
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
  return Buffer.concat(chunks);
}

function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

function parseBody(body: Buffer, contentType: string): unknown {
  if (contentType.includes('protobuf')) {
    try {
      return decodeKubernetesProtobuf(body);
    } catch (error) {
      if (error instanceof ProtobufError) throw new ApiError(415, 'UnsupportedMediaType', error.message);
      throw error;
    }
  }
  if (contentType.includes('cbor')) throw unsupportedMediaType(contentType);
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    if (contentType.includes('yaml')) return loadYaml(text);
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`the body of the request could not be decoded: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

function wantsTable(req: IncomingMessage): boolean {
  const accept = String(req.headers.accept ?? '');
  return accept.split(',').some((part) => part.includes('as=Table') && part.includes('g=meta.k8s.io'));
}

function listKind(type: ResourceType): string {
  return `${type.kind}List`;
}

const COMMA = Buffer.from(',');
const LIST_TAIL = Buffer.from(']}');

/** The list body after its head: the items' cached encodings, comma-separated (the tail is written by end()). */
function* listPieces(head: Buffer, entries: readonly Entry[]): Generator<Buffer> {
  yield head;
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) yield COMMA;
    yield entryBuffer(entries[i]);
  }
}

export class ApiHttpHandler {
  private readonly watches = new Set<() => void>();

  constructor(private readonly api: ApiCore, private readonly options: HttpOptions) {}

  /** Ends every open watch (server shutdown). */
  closeWatches(): void {
    for (const close of [...this.watches]) close();
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req, res).catch((error: unknown) => {
      if (error instanceof ApiError) return sendError(res, error);
      this.options.onError?.(error);
      sendError(res, new ApiError(500, 'InternalError', `Internal error occurred: ${error instanceof Error ? error.message : String(error)}`));
    });
  };

  private authenticated(req: IncomingMessage): boolean {
    const expected = this.options.token;
    if (expected === undefined) return true;
    const header = String(req.headers.authorization ?? '');
    const m = header.match(/^Bearer\s+(.+)$/i);
    if (!m) return false;
    const a = Buffer.from(m[1].trim());
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://sandbox');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    if (['/healthz', '/readyz', '/livez'].includes(path)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path === '/version') return send(res, 200, SERVER_VERSION);
    if (!this.authenticated(req)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
    let segs: string[];
    try {
      segs = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    } catch {
      throw badRequest(`malformed path ${JSON.stringify(path)}`);
    }
    const registry = this.api.registry;
    if (method === 'GET') {
      if (path === '/api') return send(res, 200, apiVersions(this.options.serverAddress()));
      if (path === '/apis') return send(res, 200, apiGroupList(registry));
      if (segs[0] === 'openapi') return this.openApi(res, segs);
      if (segs[0] === 'api' && segs.length === 2) return this.discoveryList(res, '', segs[1]);
      if (segs[0] === 'apis' && segs.length === 2) {
        const doc = apiGroupDocument(registry, segs[1]);
        if (!doc) throw notFound('', '', path);
        return send(res, 200, doc);
      }
      if (segs[0] === 'apis' && segs.length === 3) return this.discoveryList(res, segs[1], segs[2]);
    }
    const route = this.route(segs);
    if (!route) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    await this.resource(req, res, url, method, route);
  }

  private discoveryList(res: ServerResponse, group: string, version: string): void {
    const doc = apiResourceList(this.api.registry, group, version);
    if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    send(res, 200, doc);
  }

  private openApi(res: ServerResponse, segs: string[]): void {
    if (segs[1] !== 'v3') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (segs.length === 2) return send(res, 200, openApiV3Root(this.api.registry));
    const rest = segs.slice(2);
    const doc = rest[0] === 'api' ? openApiV3GroupVersion(this.api.registry, '', rest[1]) : openApiV3GroupVersion(this.api.registry, rest[1], rest[2]);
    if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    send(res, 200, doc);
  }

  /** Parses /api/v1/…, /apis/g/v/… into a resource route, or undefined. */
  private route(segs: string[]): Route | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segs[0] === 'api' && segs.length >= 3) {
      group = '';
      version = segs[1];
      rest = segs.slice(2);
    } else if (segs[0] === 'apis' && segs.length >= 4) {
      group = segs[1];
      version = segs[2];
      rest = segs.slice(3);
    } else return undefined;
    let watchPrefix = false;
    if (rest[0] === 'watch') {
      watchPrefix = true;
      rest = rest.slice(1);
    }
    const registry = this.api.registry;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const t = registry.get(group, version, rest[2]);
      if (t?.namespaced) {
        namespace = rest[1];
        rest = rest.slice(2);
      }
    }
    const type = registry.get(group, version, rest[0]);
    if (!type || rest.length > 3) return undefined;
    if (type.namespaced !== (namespace !== undefined) && rest.length > 1) {
      if (type.namespaced) return undefined;
    }
    return { type, namespace, name: rest[1], subresource: rest[2], watchPrefix };
  }

  private async resource(req: IncomingMessage, res: ServerResponse, url: URL, method: string, route: Route): Promise<void> {
    const { type, namespace, name, subresource } = route;
    const q = url.searchParams;
    const dryRun = q.get('dryRun') === 'All';
    if (name === undefined) {
      if (method === 'GET') {
        if (route.watchPrefix || q.get('watch') === 'true' || q.get('watch') === '1') return this.watch(req, res, route, q);
        return this.list(req, res, route, q);
      }
      if (method === 'POST') {
        if (type.plural === 'selfsubjectaccessreviews' && type.group === 'authorization.k8s.io') {
          // The answer does not depend on the question, so even a protobuf body (kubectl auth can-i) is fine.
          const raw = await readBody(req, this.maxBody());
          const review = (mediaType(req).includes('json') ? parseBody(raw, 'application/json') ?? {} : {}) as Obj;
          return send(res, 201, { ...review, apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: { creationTimestamp: null }, status: { allowed: true, reason: 'the sandbox has one user, who may do everything' } });
        }
        const body = parseBody(await readBody(req, this.maxBody()), mediaType(req));
        if (type.plural === 'bindings') {
          const podName = (body as Obj)?.metadata?.name;
          const pods = this.api.registry.get('', 'v1', 'pods')!;
          return send(res, 201, await bindPod(this.api, pods, namespace ?? 'default', String(podName ?? ''), body));
        }
        const result = await this.api.create(type, namespace, body, { dryRun });
        return this.sendWrite(res, result, 201);
      }
      if (method === 'DELETE') return this.deleteCollection(req, res, route, q);
      throw methodNotAllowed();
    }
    if (route.watchPrefix && method === 'GET' && subresource === undefined) return this.watch(req, res, route, q);
    if (subresource !== undefined) return this.subresource(req, res, method, route, q);
    switch (method) {
      case 'GET':
        return this.sendObject(req, res, type, this.api.get(type, namespace, name), q);
      case 'PUT': {
        const body = parseBody(await readBody(req, this.maxBody()), mediaType(req));
        return this.sendWrite(res, await this.api.update(type, namespace, name, body, undefined, { dryRun }), 200);
      }
      case 'PATCH':
        return this.patch(req, res, route, q, undefined);
      case 'DELETE': {
        const options = await this.deleteOptions(req, q);
        const { object, removed } = await this.api.delete(type, namespace, name, options);
        return send(res, removed || !object.metadata.deletionTimestamp ? 200 : 202, object);
      }
      default:
        throw methodNotAllowed();
    }
  }

  private maxBody(): number {
    return this.options.maxBodyBytes ?? 3 * 1024 * 1024;
  }

  private sendWrite(res: ServerResponse, result: WriteResult, createdCode: number): void {
    send(res, result.created ? createdCode : 200, result.object, warningHeaders(result.warnings));
  }

  private sendObject(req: IncomingMessage, res: ServerResponse, type: ResourceType, object: Obj, q: URLSearchParams): void {
    if (wantsTable(req)) {
      return send(res, 200, toTable(type, [object], this.tableContext(type, q), { resourceVersion: object.metadata.resourceVersion }));
    }
    send(res, 200, object);
  }

  private tableContext(type: ResourceType, q: URLSearchParams) {
    const include = (q.get('includeObject') ?? 'Metadata') as IncludeObject;
    const crd = type.custom ? this.api.store.get('apiextensions.k8s.io/v1/customresourcedefinitions', undefined, `${type.plural}.${type.group}`) : undefined;
    return { now: this.api.clock.now(), includeObject: ['None', 'Metadata', 'Object'].includes(include) ? include : 'Metadata', crd } as const;
  }

  private predicate(q: URLSearchParams): Predicate | undefined {
    try {
      return selectorPredicate(q.get('labelSelector') ?? undefined, q.get('fieldSelector') ?? undefined);
    } catch (error) {
      if (error instanceof SelectorError) throw badRequest(error.message);
      throw error;
    }
  }

  private list(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams): Promise<void> | void {
    const { type, namespace } = route;
    const predicate = this.predicate(q);
    const plain = !predicate && !q.get('limit') && !q.get('continue') && !wantsTable(req);
    if (plain) return this.fullList(res, type, namespace);
    let entries = this.api.list(type, namespace, predicate);
    const rv = String(this.api.store.currentRv());
    const limit = Number(q.get('limit') ?? 0);
    const cont = q.get('continue');
    const meta: Obj = { resourceVersion: rv };
    if ((Number.isInteger(limit) && limit > 0) || cont) {
      const keyOf = (o: Obj) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      entries = [...entries].sort((a, b) => (keyOf(a.object) < keyOf(b.object) ? -1 : 1));
      if (cont) {
        let after: string;
        try {
          after = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')).k;
        } catch {
          throw badRequest('continue key is not valid: illegal base64 data');
        }
        entries = entries.filter((e) => keyOf(e.object) > after);
      }
      if (limit > 0 && entries.length > limit) {
        meta.continue = Buffer.from(JSON.stringify({ k: keyOf(entries[limit - 1].object), rv })).toString('base64url');
        meta.remainingItemCount = entries.length - limit;
        entries = entries.slice(0, limit);
      }
    }
    if (wantsTable(req)) {
      return send(res, 200, toTable(type, entries.map((e) => e.object), this.tableContext(type, q), meta));
    }
    return this.sendList(res, type, meta, entries);
  }

  /**
   * A whole list, streamed from each object's cached encoding. Its resourceVersion is the type's
   * last write: the entries are taken in one synchronous step, so the list is exactly the state at
   * that version and a watch from it misses nothing, even though the body goes out over several
   * turns of the event loop.
   */
  private fullList(res: ServerResponse, type: ResourceType, namespace: string | undefined): Promise<void> {
    const version = this.api.store.typeVersion(resourceKey(type));
    const rv = String(version > 0 ? version : this.api.store.currentRv());
    return this.sendList(res, type, { resourceVersion: rv }, this.api.list(type, namespace));
  }

  /** Writes a JSON list of entries in chunks (chunked-body.ts): no body-sized string or buffer per list. */
  private async sendList(res: ServerResponse, type: ResourceType, meta: Obj, entries: readonly Entry[]): Promise<void> {
    const head = Buffer.from(`{"kind":${JSON.stringify(listKind(type))},"apiVersion":${JSON.stringify(groupVersion(type))},"metadata":${JSON.stringify(meta)},"items":[`);
    let length = head.length + LIST_TAIL.length + Math.max(0, entries.length - 1) * COMMA.length;
    for (const entry of entries) length += entryBuffer(entry).length;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': length, 'Cache-Control': 'no-cache, private' });
    await writeChunked(res, listPieces(head, entries));
    res.end(res.destroyed ? undefined : LIST_TAIL);
  }

  private watch(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams): void {
    const { type, namespace, name } = route;
    let predicate = this.predicate(q);
    if (name !== undefined) {
      const inner = predicate;
      predicate = (o) => o.metadata?.name === name && (!inner || inner(o));
    }
    const table = wantsTable(req);
    const tableCtx = table ? this.tableContext(type, q) : undefined;
    let firstTable = true;
    const encode = (eventType: string, object: Obj): string => {
      if (table && eventType !== 'ERROR' && eventType !== 'BOOKMARK') {
        const t = toTable(type, [object], { ...tableCtx!, now: this.api.clock.now() }, { resourceVersion: object.metadata.resourceVersion }, firstTable);
        firstTable = false;
        return `{"type":"${eventType}","object":${JSON.stringify(t)}}\n`;
      }
      return `{"type":"${eventType}","object":${JSON.stringify(object)}}\n`;
    };
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const rvParam = q.get('resourceVersion');
    const key = resourceKey(type);
    let closed = false;
    let cancel: () => void = () => {};
    const timers: NodeJS.Timeout[] = [];
    const close = () => {
      if (closed) return;
      closed = true;
      cancel();
      for (const t of timers) clearInterval(t);
      this.watches.delete(close);
      res.end();
    };
    this.watches.add(close);
    req.on('close', close);
    res.on('close', close);
    const deliver = (event: StoredEvent) => {
      if (closed) return;
      res.write(table ? encode(event.type, event.object) : `{"type":"${event.type}","object":${entryJson(event.entry)}}\n`);
    };
    try {
      let fromRv: number;
      if (rvParam === null || rvParam === '' || rvParam === '0') {
        // "Most recent": synthetic ADDED for the current state, then changes.
        fromRv = this.api.store.currentRv();
        for (const entry of this.api.store.list(key, type.namespaced ? namespace : undefined, predicate)) {
          if (!closed) res.write(table ? encode('ADDED', entry.object) : `{"type":"ADDED","object":${entryJson(entry)}}\n`);
        }
      } else {
        fromRv = Number(rvParam);
        if (!Number.isFinite(fromRv)) throw badRequest(`invalid resource version: ${rvParam}`);
      }
      cancel = this.api.store.watch(key, fromRv, { namespace: type.namespaced ? namespace : undefined, predicate, deliver });
    } catch (error) {
      if (error instanceof ApiError) {
        res.write(`{"type":"ERROR","object":${JSON.stringify(error.toStatus())}}\n`);
        close();
        return;
      }
      close();
      throw error;
    }
    if (q.get('allowWatchBookmarks') === 'true') {
      timers.push(
        setInterval(() => {
          if (closed) return;
          const bookmark = { kind: type.kind, apiVersion: groupVersion(type), metadata: { resourceVersion: String(this.api.store.currentRv()) } };
          res.write(`{"type":"BOOKMARK","object":${JSON.stringify(bookmark)}}\n`);
        }, this.options.bookmarkIntervalMs ?? 5000),
      );
    }
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (Number.isFinite(timeout) && timeout > 0) {
      const t = setTimeout(close, timeout * 1000);
      timers.push(t);
    }
  }

  private async patch(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams, subresource: string | undefined): Promise<void> {
    const ct = mediaType(req);
    const patchType = PATCH_TYPES[ct];
    if (!patchType) throw unsupportedMediaType(ct);
    if (patchType === 'apply' && !q.get('fieldManager')) {
      throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    }
    if (patchType !== 'apply' && q.get('force')) throw new ApiError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const body = parseBody(await readBody(req, this.maxBody()), patchType === 'apply' ? 'application/yaml' : 'application/json');
    if (body === undefined) throw badRequest('empty patch');
    const { type, namespace, name } = route;
    const result = await this.api.patch(type, namespace, name!, patchType, body, subresource, { dryRun: q.get('dryRun') === 'All' });
    this.sendWrite(res, result, 201);
  }

  private async deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
    const body = parseBody(await readBody(req, this.maxBody()), 'application/json') as Obj | undefined;
    const policy = body?.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
    if (policy !== undefined && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`);
    }
    const orphan = body?.orphanDependents ?? (q.get('orphanDependents') === 'true' ? true : undefined);
    // The body's value as it is (ApiCore checks it is an integer); the query's only when it spells one.
    const query = q.get('gracePeriodSeconds');
    const gracePeriodSeconds = body?.gracePeriodSeconds ?? (query === null ? undefined : /^-?\d{1,12}$/.test(query) ? Number(query) : query);
    return {
      ...(gracePeriodSeconds !== undefined ? { gracePeriodSeconds } : {}),
      propagationPolicy: policy ?? (orphan === true ? 'Orphan' : undefined),
      preconditions: body?.preconditions,
      dryRun: (Array.isArray(body?.dryRun) && body!.dryRun.includes('All')) || q.get('dryRun') === 'All',
    };
  }

  private async deleteCollection(req: IncomingMessage, res: ServerResponse, route: Route, q: URLSearchParams): Promise<void> {
    const { type, namespace } = route;
    const options = await this.deleteOptions(req, q);
    const items: Obj[] = [];
    for (const entry of this.api.list(type, namespace, this.predicate(q))) {
      const o = entry.object;
      try {
        const { object } = await this.api.delete(type, o.metadata.namespace, o.metadata.name, options);
        items.push(object);
      } catch (error) {
        // Protected objects (the initial namespaces) stay; the rest of the collection still goes.
        if (!(error instanceof ApiError && error.code === 403)) throw error;
      }
    }
    send(res, 200, { kind: listKind(type), apiVersion: groupVersion(type), metadata: { resourceVersion: String(this.api.store.currentRv()) }, items });
  }

  private async subresource(req: IncomingMessage, res: ServerResponse, method: string, route: Route, q: URLSearchParams): Promise<void> {
    const { type, namespace, name, subresource } = route;
    const notHere = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (subresource === 'status' && type.statusSubresource) {
      if (method === 'GET') return this.sendObject(req, res, type, this.api.get(type, namespace, name!), q);
      if (method === 'PUT') {
        const body = parseBody(await readBody(req, this.maxBody()), mediaType(req));
        return this.sendWrite(res, await this.api.update(type, namespace, name!, body, 'status'), 200);
      }
      if (method === 'PATCH') return this.patch(req, res, route, q, 'status');
      throw methodNotAllowed();
    }
    if (subresource === 'scale' && type.scale) {
      if (method === 'GET') return send(res, 200, toScale(type, this.api.get(type, namespace, name!)));
      if (method === 'PUT') {
        const body = parseBody(await readBody(req, this.maxBody()), mediaType(req));
        return send(res, 200, await writeScale(this.api, type, namespace, name!, { put: body }));
      }
      if (method === 'PATCH') {
        const patchType = PATCH_TYPES[mediaType(req)];
        if (!patchType || patchType === 'apply') throw unsupportedMediaType(mediaType(req));
        const body = parseBody(await readBody(req, this.maxBody()), 'application/json');
        return send(res, 200, await writeScale(this.api, type, namespace, name!, { patch: { type: patchType, body } }));
      }
      throw methodNotAllowed();
    }
    if (type.kind === 'Pod' && !type.custom && method === 'POST' && (subresource === 'binding' || subresource === 'eviction')) {
      const body = parseBody(await readBody(req, this.maxBody()), mediaType(req));
      if (subresource === 'binding') return send(res, 201, await bindPod(this.api, type, namespace!, name!, body));
      const pdbs = this.api.registry.get('policy', 'v1', 'poddisruptionbudgets')!;
      return send(res, 201, await evictPod(this.api, type, pdbs, namespace!, name!, body));
    }
    throw notHere();
  }
}
