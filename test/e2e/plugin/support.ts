/**
 * End-to-end harness for `kubectl smartscale`: a sandbox API server on loopback (optionally with a
 * rule that answers 403 for some requests, the sandbox having no RBAC), a kubeconfig for it, and
 * the real kubectl running the built plugin found on PATH (node_modules/.bin, linked by the build).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { HttpKubeClient, type KubeObject } from '../../../core/kube/client.js';
import { httpKubeClientFor, loadKubeconfig } from '../../../core/kube/kubeconfig.js';
import { ManualClock } from '../../../core/model/clock.js';
import { ApiHttpHandler } from '../../../core/sandbox/apiserver/http.js';
import { bootstrap, createApiCore } from '../../../core/sandbox/apiserver/server.js';
import { sandboxKubeconfig } from '../../../core/sandbox/kubeconfig.js';
import { createCertificateAuthority, issueServingCertificate } from '../../../core/tls/index.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
export const BIN_DIR = join(ROOT, 'node_modules', '.bin');

/** Decides per request whether to answer 403 (method, path); undefined lets it through. */
export type ForbidRule = (method: string, path: string) => boolean;

export interface PluginSandbox {
  url: string;
  kubeconfigPath: string;
  dir: string;
  client: HttpKubeClient;
  /** Replaced at will by tests: which requests get 403 Forbidden. */
  forbid: ForbidRule;
  close(): Promise<void>;
}

export async function startPluginSandbox(nowMs = Date.now()): Promise<PluginSandbox> {
  const token = randomBytes(16).toString('base64url');
  const ca = createCertificateAuthority({ commonName: 'plugin-e2e-ca', validityDays: 2 });
  const serving = issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 2 });
  const { core } = createApiCore(new ManualClock(nowMs));
  await bootstrap(core);
  let address = '';
  const handler = new ApiHttpHandler(core, { token, serverAddress: () => address });
  const sandbox = {} as PluginSandbox;
  sandbox.forbid = () => false;
  const server: Server = createServer({ key: serving.keyPem, cert: serving.certPem, keepAlive: true }, (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (sandbox.forbid(req.method ?? 'GET', path)) {
      res.writeHead(403, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', code: 403, message: `${req.method} ${path} is forbidden: User "e2e" cannot do that` }));
      return;
    }
    handler.handle(req, res);
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `https://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'smartscale-plugin-e2e-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, sandboxKubeconfig({ url, caPem: serving.caPem, token }));
  const client = httpKubeClientFor(loadKubeconfig({ explicitPath: kubeconfigPath }));
  Object.assign(sandbox, {
    url,
    kubeconfigPath,
    dir,
    client,
    close: async () => {
      client.close();
      handler.closeWatches();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  });
  return sandbox;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl with the plugin on PATH. */
export function kubectl(args: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      KUBECTL,
      args,
      { env: { HOME: process.env.HOME, PATH: `${BIN_DIR}:/usr/local/bin:/usr/bin:/bin`, COLUMNS: '200', ...env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as any).code === 'number' ? (error as any).code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export function pluginBuilt(): boolean {
  return existsSync(join(BIN_DIR, 'kubectl-smartscale')) && existsSync(join(ROOT, 'dist', 'plugin', 'main.js'));
}

const BUILD_LOCK = join(ROOT, 'dist', '.test-build.lock');
const BUILD_STAMP = join(ROOT, 'dist', '.test-build.stamp');
/** A lock older than this is left over from a killed run: the build itself takes well under it. */
const STALE_LOCK_MS = 10 * 60_000;

/**
 * Builds dist/ (and links node_modules/.bin/kubectl-smartscale) so kubectl runs the current code —
 * once per test run. Several test files need the build and run in parallel workers; the build
 * deletes and rewrites the bundle and the bin link, so a second build while another file runs the
 * plugin would pull its files away mid-test. The first caller builds under a lock directory and
 * stamps the run's id; the others wait for the lock and find the stamp.
 */
export async function buildPlugin(): Promise<void> {
  const runId = inject('testRunId') ?? `${process.pid}-${Date.now()}`;
  await acquireLock(BUILD_LOCK);
  try {
    if (readStamp() === runId && pluginBuilt()) return;
    await runBuild();
    writeFileSync(BUILD_STAMP, runId);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

function readStamp(): string | undefined {
  try {
    return readFileSync(BUILD_STAMP, 'utf8');
  } catch {
    return undefined;
  }
}

async function acquireLock(dir: string): Promise<void> {
  mkdirSync(join(dir, '..'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(dir, { recursive: true, force: true });
      else await new Promise((ok) => setTimeout(ok, 200));
    }
  }
}

function runBuild(): Promise<void> {
  return new Promise((ok, fail) => {
    execFile('npm', ['run', 'build', '--silent'], { cwd: ROOT, timeout: 300_000 }, (error, stdout, stderr) => {
      // tsc emits even when another area has a type error; only a missing bin is fatal here.
      if (pluginBuilt()) ok();
      else fail(new Error(`npm run build failed: ${error?.message}\n${stdout}\n${stderr}`));
    });
  });
}

// ---- builders ---------------------------------------------------------------------------------

export const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true } as const;
export const CONFIGMAPS = { group: '', version: 'v1', plural: 'configmaps', namespaced: true } as const;
export const NAMESPACES = { group: '', version: 'v1', plural: 'namespaces', namespaced: false } as const;
export const CRDS = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', namespaced: false } as const;
export const NODECLAIMS = { group: 'smartscale.io', version: 'v1', plural: 'nodeclaims', namespaced: false } as const;
export const NODEPOOLS = { group: 'smartscale.io', version: 'v1', plural: 'nodepools', namespaced: false } as const;
export const NODES = { group: '', version: 'v1', plural: 'nodes', namespaced: false } as const;
export const PODS = { group: '', version: 'v1', plural: 'pods', namespaced: true } as const;

export function deployment(namespace: string, name: string, annotations: Record<string, string> = {}, replicas = 2): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, annotations },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '250m', memory: '256Mi' } } }] } },
    },
  };
}

export function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

export function configMap(ns: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}
