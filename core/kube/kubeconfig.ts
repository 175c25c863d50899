/**
 * Kubeconfig loading the way kubectl does it, without client-node (whose import alone costs about
 * a second — more than the plugin's whole time budget for `status`).
 *
 * Rules (kubectl's clientcmd loading rules):
 * - `--kubeconfig FILE` uses that one file, which must exist.
 * - Otherwise `$KUBECONFIG` is a list of files (':'-separated; ';' on Windows); missing files and
 *   empty entries are skipped. The first file that sets `current-context` wins, and for each named
 *   cluster, user and context the first definition wins.
 * - Otherwise `~/.kube/config`.
 * - `--context` overrides the current context; the namespace is `-n`, else the context's, else
 *   "default".
 * - Relative file paths in an entry are relative to the file that defined the entry.
 *
 * The result is a `ResolvedKubeconfig` (server, TLS material, credentials) and, from it, the small
 * object `HttpKubeClient` needs (`getCurrentCluster`, `applyToHTTPSOptions`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import type { RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { load as loadYaml } from 'js-yaml';
import { HttpKubeClient } from './client.js';

/** Why no cluster can be addressed: no or bad kubeconfig, unknown context, missing entries. */
export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

interface Named<T> {
  name: string;
  value: T;
  /** Directory of the file that defined the entry, for relative paths. */
  baseDir: string;
}

export interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

export interface ExecConfig {
  command: string;
  args?: string[];
  env?: Array<{ name: string; value: string }>;
  apiVersion?: string;
}

export interface KubeconfigUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name?: string };
}

export interface KubeconfigContext {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** Several kubeconfig files merged into one view. */
export interface MergedKubeconfig {
  currentContext?: string;
  clusters: Map<string, Named<KubeconfigCluster>>;
  users: Map<string, Named<KubeconfigUser>>;
  contexts: Map<string, Named<KubeconfigContext>>;
  /** The files that were read, in order. */
  files: string[];
}

export interface KubeconfigFile {
  path: string;
  /** The parsed YAML document (anything; validated while merging). */
  document: unknown;
}

/** Everything needed to talk to one cluster as one user. */
export interface ResolvedKubeconfig {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  /** Namespace from the context, else "default" (before any -n flag). */
  namespace: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
  username?: string;
  password?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  exec?: { config: ExecConfig; baseDir: string };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function addEntries<T>(target: Map<string, Named<T>>, list: unknown, field: string, path: string, what: string): void {
  if (list === undefined || list === null) return;
  if (!Array.isArray(list)) throw new KubeconfigError(`${path}: ${what} must be a list`);
  for (const entry of list) {
    if (!isRecord(entry) || typeof entry.name !== 'string' || entry.name === '') throw new KubeconfigError(`${path}: every entry of ${what} needs a name`);
    const value = entry[field];
    if (value !== undefined && value !== null && !isRecord(value)) throw new KubeconfigError(`${path}: ${what} "${entry.name}": ${field} must be a mapping`);
    // kubectl: the first file to define a name wins.
    if (!target.has(entry.name)) target.set(entry.name, { name: entry.name, value: (value ?? {}) as T, baseDir: dirname(path) });
  }
}

/** Merges parsed kubeconfig files in order with kubectl's precedence. Pure. */
export function mergeKubeconfigs(files: KubeconfigFile[]): MergedKubeconfig {
  const merged: MergedKubeconfig = { clusters: new Map(), users: new Map(), contexts: new Map(), files: [] };
  for (const file of files) {
    merged.files.push(file.path);
    const doc = file.document;
    if (doc === undefined || doc === null) continue; // an empty file is an empty config
    if (!isRecord(doc)) throw new KubeconfigError(`${file.path}: not a kubeconfig (expected a mapping)`);
    const current = doc['current-context'];
    if (merged.currentContext === undefined && typeof current === 'string' && current !== '') merged.currentContext = current;
    addEntries(merged.clusters, doc.clusters, 'cluster', file.path, 'clusters');
    addEntries(merged.users, doc.users, 'user', file.path, 'users');
    addEntries(merged.contexts, doc.contexts, 'context', file.path, 'contexts');
  }
  return merged;
}

export interface KubeconfigSource {
  /** `--kubeconfig`. */
  explicitPath?: string;
  /** `$KUBECONFIG`. */
  envList?: string;
  home?: string;
  readFile?: (path: string) => string | undefined;
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KubeconfigError(`cannot read kubeconfig ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function parseFile(path: string, text: string): KubeconfigFile {
  try {
    return { path, document: loadYaml(text) };
  } catch (error) {
    throw new KubeconfigError(`${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** The files kubectl would read, in precedence order, parsed. */
export function readKubeconfigFiles(source: KubeconfigSource): KubeconfigFile[] {
  const read = source.readFile ?? readIfExists;
  if (source.explicitPath !== undefined) {
    const text = read(source.explicitPath);
    if (text === undefined) throw new KubeconfigError(`kubeconfig ${source.explicitPath} does not exist`);
    return [parseFile(source.explicitPath, text)];
  }
  const list = (source.envList ?? '').split(delimiter).filter((p) => p !== '');
  const paths = list.length > 0 ? list : [join(source.home ?? homedir(), '.kube', 'config')];
  const files: KubeconfigFile[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    const absolute = resolve(path);
    if (seen.has(absolute)) continue;
    seen.add(absolute);
    const text = read(path);
    if (text !== undefined) files.push(parseFile(path, text));
  }
  return files;
}

function fileOrData(data: string | undefined, file: string | undefined, baseDir: string, what: string, read: (p: string) => string | undefined): string | undefined {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (!file) return undefined;
  const path = isAbsolute(file) ? file : join(baseDir, file);
  const text = read(path);
  if (text === undefined) throw new KubeconfigError(`${what} file ${path} does not exist`);
  return text;
}

/** Picks the context and resolves its cluster and user. Throws KubeconfigError naming what is missing. */
export function resolveKubeconfig(merged: MergedKubeconfig, contextOverride?: string, readFile: (p: string) => string | undefined = readIfExists): ResolvedKubeconfig {
  const contextName = contextOverride ?? merged.currentContext;
  if (merged.files.length === 0) throw new KubeconfigError('no kubeconfig found: set KUBECONFIG, pass --kubeconfig, or create ~/.kube/config');
  if (!contextName) throw new KubeconfigError(`no current context in ${merged.files.join(', ')}: pass --context or run 'kubectl config use-context'`);
  const context = merged.contexts.get(contextName);
  if (!context) throw new KubeconfigError(`context "${contextName}" does not exist in ${merged.files.join(', ')}`);
  const clusterName = context.value.cluster ?? '';
  const cluster = merged.clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError(`context "${contextName}" names cluster "${clusterName}", which is not defined`);
  if (typeof cluster.value.server !== 'string' || cluster.value.server === '') throw new KubeconfigError(`cluster "${clusterName}" has no server`);
  try {
    new URL(cluster.value.server);
  } catch {
    throw new KubeconfigError(`cluster "${clusterName}": server ${JSON.stringify(cluster.value.server)} is not a URL`);
  }
  const userName = context.value.user ?? '';
  // A context without a user is legal (anonymous); a named but undefined user is kubectl's empty user too.
  const user = merged.users.get(userName)?.value ?? {};
  const userDir = merged.users.get(userName)?.baseDir ?? cluster.baseDir;
  if (user['auth-provider']) throw new KubeconfigError(`user "${userName}" uses auth-provider "${user['auth-provider'].name ?? ''}", which smartscale does not support; use an exec plugin or a token`);
  const c = cluster.value;
  const resolved: ResolvedKubeconfig = {
    contextName,
    clusterName,
    userName,
    server: c.server!,
    namespace: context.value.namespace || 'default',
    caPem: fileOrData(c['certificate-authority-data'], c['certificate-authority'], cluster.baseDir, 'certificate-authority', readFile),
    certPem: fileOrData(user['client-certificate-data'], user['client-certificate'], userDir, 'client-certificate', readFile),
    keyPem: fileOrData(user['client-key-data'], user['client-key'], userDir, 'client-key', readFile),
    token: user.token ?? (user.tokenFile ? fileOrData(undefined, user.tokenFile, userDir, 'tokenFile', readFile)?.trim() : undefined),
    username: user.username,
    password: user.password,
    insecureSkipTlsVerify: c['insecure-skip-tls-verify'] === true,
    tlsServerName: c['tls-server-name'],
  };
  if (user.exec) {
    if (typeof user.exec.command !== 'string' || user.exec.command === '') throw new KubeconfigError(`user "${userName}": exec needs a command`);
    resolved.exec = { config: user.exec, baseDir: userDir };
  }
  return resolved;
}

/** Loads, merges and resolves in one call. */
export function loadKubeconfig(source: KubeconfigSource & { context?: string }): ResolvedKubeconfig {
  const files = readKubeconfigFiles(source);
  return resolveKubeconfig(mergeKubeconfigs(files), source.context, source.readFile ?? readIfExists);
}

interface ExecCredential {
  token?: string;
  certPem?: string;
  keyPem?: string;
}

/** Runs a client-go credential plugin (e.g. `aws eks get-token`) and reads its ExecCredential. */
function runExecPlugin(exec: { config: ExecConfig; baseDir: string }, server: string): ExecCredential {
  const { config } = exec;
  const command = config.command.includes('/') && !isAbsolute(config.command) ? join(exec.baseDir, config.command) : config.command;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const e of config.env ?? []) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion: config.apiVersion, kind: 'ExecCredential', spec: { interactive: false, cluster: { server } } });
  let stdout: string;
  try {
    stdout = execFileSync(command, config.args ?? [], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (error) {
    throw new KubeconfigError(`credential plugin ${config.command} failed: ${(error as Error).message.split('\n')[0]}`);
  }
  let parsed: any;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new KubeconfigError(`credential plugin ${config.command} did not print an ExecCredential`);
  }
  const status = parsed?.status ?? {};
  return { token: status.token, certPem: status.clientCertificateData, keyPem: status.clientKeyData };
}

/**
 * The subset of client-node's KubeConfig that `HttpKubeClient` calls. Built from a resolved
 * kubeconfig so the plugin never loads client-node.
 */
export interface KubeConfigLike {
  getCurrentCluster(): { name: string; server: string; skipTLSVerify: boolean } | null;
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}

export function kubeConfigLike(config: ResolvedKubeconfig): KubeConfigLike {
  let credential: ExecCredential | undefined;
  return {
    getCurrentCluster: () => ({ name: config.clusterName, server: config.server, skipTLSVerify: config.insecureSkipTlsVerify }),
    async applyToHTTPSOptions(options) {
      if (config.exec && !credential) credential = runExecPlugin(config.exec, config.server);
      const headers = { ...((options.headers as Record<string, string>) ?? {}) };
      const token = credential?.token ?? config.token;
      if (token) headers.Authorization = `Bearer ${token}`;
      else if (config.username !== undefined) options.auth = `${config.username}:${config.password ?? ''}`;
      options.headers = headers;
      if (config.caPem) options.ca = config.caPem;
      const cert = credential?.certPem ?? config.certPem;
      const key = credential?.keyPem ?? config.keyPem;
      if (cert && key) {
        options.cert = cert;
        options.key = key;
      }
      if (config.insecureSkipTlsVerify) options.rejectUnauthorized = false;
      if (config.tlsServerName) options.servername = config.tlsServerName;
    },
  };
}

/**
 * An HttpKubeClient for a resolved kubeconfig. HttpKubeClient types its argument as client-node's
 * KubeConfig but only calls the two methods of KubeConfigLike, hence the cast.
 */
export function httpKubeClientFor(config: ResolvedKubeconfig, fieldManager = 'kubectl-smartscale'): HttpKubeClient {
  return new HttpKubeClient(kubeConfigLike(config) as unknown as KubeConfig, fieldManager);
}
