/** Helpers for sandbox tests: a running API server and raw HTTPS requests to it. */
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { KubeConfig } from '@kubernetes/client-node';
import { ManualClock, type Clock } from '../../../core/model/clock.js';
import { startApiServer, type ApiServerOptions, type RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { sandboxKubeconfig } from '../../../core/sandbox/kubeconfig.js';
import { HttpKubeClient } from '../../../core/kube/client.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

export async function startTestServer(options: Partial<ApiServerOptions> = {}): Promise<RunningApiServer> {
  const clock: Clock = options.clock ?? new ManualClock(Date.UTC(2026, 0, 1));
  return startApiServer({ clock, bookmarkIntervalMs: 50, ...options });
}

export function clientFor(server: RunningApiServer): HttpKubeClient {
  const kc = new KubeConfig();
  kc.loadFromString(sandboxKubeconfig(server));
  return new HttpKubeClient(kc, 'test');
}

export function raw(server: RunningApiServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token: string | null = server.token): Promise<RawResponse> {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method,
        host: '127.0.0.1',
        port: server.port,
        path,
        ca: server.caPem,
        servername: 'localhost',
        headers: {
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          ...(text !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) } : {}),
          ...headers,
        },
      },
      (res) => {
        res.on('error', reject);
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const t = Buffer.concat(chunks).toString('utf8');
          let parsed: any;
          try {
            parsed = JSON.parse(t);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: t, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

export interface OpenWatch {
  events: any[];
  /** Resolves when at least `n` events have arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<any[]>;
  closed: Promise<void>;
  close(): void;
}

export function openWatch(server: RunningApiServer, path: string, headers: Record<string, string> = {}): OpenWatch {
  const events: any[] = [];
  let wake: () => void = () => {};
  let closeReq: () => void = () => {};
  const closed = new Promise<void>((resolveClosed) => {
    const req = request({ method: 'GET', host: '127.0.0.1', port: server.port, path, ca: server.caPem, servername: 'localhost', headers: { Authorization: `Bearer ${server.token}`, ...headers } }, (res) => {
      res.on('error', () => {});
      const lines = createInterface({ input: res });
      lines.on('error', () => {});
      lines.on('line', (line) => {
        if (!line.trim()) return;
        events.push(JSON.parse(line));
        wake();
      });
      res.on('close', () => resolveClosed());
    });
    req.on('error', () => resolveClosed());
    req.end();
    closeReq = () => req.destroy();
  });
  return {
    events,
    closed,
    close: () => closeReq(),
    waitFor(n, timeoutMs = 2000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} watch events; got ${JSON.stringify(events.map((e) => e.type))}`)), timeoutMs);
        const check = () => {
          if (events.length >= n) {
            clearTimeout(timer);
            resolve(events);
          }
        };
        wake = check;
        check();
      });
    },
  };
}

export function deployment(name: string, replicas = 1, extra: Record<string, any> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name }, ...(extra.metadata ?? {}) },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } },
      ...(extra.spec ?? {}),
    },
  };
}

export function pod(name: string, labels: Record<string, string> = {}, spec: Record<string, any> = {}): any {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }], ...spec } };
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
