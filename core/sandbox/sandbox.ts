/**
 * A whole sandbox cluster in one process: the API server on loopback HTTPS, a kubeconfig for it,
 * and the simulated control plane connected through that kubeconfig (so it exercises the same
 * path as any other client). Everything shares one ScaledClock.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { kubeConfigFromString } from '../kube/connection.js';
import { HttpKubeClient } from '../kube/client.js';
import { startApiServer, type RunningApiServer } from './apiserver/server.js';
import { connectSimulatedCloud, type NodeEventSource } from './cloud-bridge.js';
import { ScaledClock } from './clock.js';
import type { SimulatedCsiDriver } from './controlplane/csi-node.js';
import { startControlPlane, type RunningControlPlane } from './controlplane/index.js';
import { sandboxKubeconfig } from './kubeconfig.js';
import { cachedSandboxCertificate } from './tls-cache.js';

export interface SandboxOptions {
  port?: number;
  /** Where to write the kubeconfig; not written when undefined. */
  kubeconfigPath?: string;
  /** Clock speed (1 = real time). */
  speed?: number;
  /** Start the simulated control plane (default true). */
  controlPlane?: boolean;
  nodeReadyDelayMs?: number;
  podStartDelayMs?: number;
  /**
   * Graceful pod deletion, as a real cluster has it: a deleted pod bound to a node keeps running,
   * terminating, for this long (clock ms, at most its grace period) before its kubelet deletes it.
   * Undefined (the default): pods go at once.
   */
  podShutdownMs?: number;
  /**
   * The CSI drivers every simulated node runs, as its CSINode lists them, with the number of their
   * volumes a node can attach (`attachLimit`; none: no limit); the scheduler enforces the limits.
   * Default: `ebs.csi.aws.com` with 25 (`DEFAULT_CSI_DRIVERS`). `[]`: CSINodes with no drivers.
   */
  csiDrivers?: readonly SimulatedCsiDriver[];
  bookmarkIntervalMs?: number;
  /** A simulated cloud whose ready instances register as Nodes (and terminated ones leave). */
  cloud?: NodeEventSource;
  onError?: (where: string, error: unknown) => void;
}

export interface Sandbox {
  url: string;
  kubeconfig: string;
  kubeconfigPath?: string;
  clock: ScaledClock;
  api: RunningApiServer;
  controlPlane?: RunningControlPlane;
  /** A client for tests and tools, authenticated like kubectl. */
  client: HttpKubeClient;
  stop(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const clock = new ScaledClock(options.speed ?? 1);
  const onError = options.onError ?? (() => {});
  let certificate;
  if (options.kubeconfigPath) {
    // Checked before listening: writing it is the first thing that could fail afterwards.
    if (statSync(options.kubeconfigPath, { throwIfNoEntry: false })?.isDirectory()) {
      throw Object.assign(new Error(`EISDIR: ${options.kubeconfigPath} is a directory`), { code: 'EISDIR' });
    }
    mkdirSync(dirname(options.kubeconfigPath), { recursive: true });
    certificate = cachedSandboxCertificate(join(dirname(options.kubeconfigPath), 'sandbox-tls.json'), Date.now());
  }
  const api = await startApiServer({ clock, certificate, port: options.port, bookmarkIntervalMs: options.bookmarkIntervalMs, onError: (e) => onError('apiserver', e) });
  api.core.gracefulPodDeletion = options.podShutdownMs !== undefined;
  // From here on a failure (an unwritable kubeconfig path, a control plane that cannot sync) must
  // close what already runs: a listening server keeps the process alive, and the caller has
  // nothing to stop.
  const kubeconfig = sandboxKubeconfig(api);
  let client: HttpKubeClient | undefined;
  let controlClient: HttpKubeClient | undefined;
  let controlPlane: RunningControlPlane | undefined;
  try {
    if (options.kubeconfigPath) {
      mkdirSync(dirname(options.kubeconfigPath), { recursive: true });
      writeFileSync(options.kubeconfigPath, kubeconfig, { mode: 0o600 });
    }
    const kc = kubeConfigFromString(kubeconfig);
    client = new HttpKubeClient(kc, 'smartscale-sandbox');
    if (options.controlPlane !== false) {
      controlClient = new HttpKubeClient(kc, 'sandbox-control-plane');
      controlPlane = await startControlPlane({
        client: controlClient,
        clock,
        nodeReadyDelayMs: options.nodeReadyDelayMs,
        podStartDelayMs: options.podStartDelayMs,
        podShutdownMs: options.podShutdownMs,
        csiDrivers: options.csiDrivers,
        onError: (c, e) => onError(`controlplane/${c}`, e),
      });
    }
  } catch (error) {
    controlPlane?.stop();
    controlClient?.close();
    client?.close();
    await api.close();
    throw error;
  }
  const sandboxClient = client;
  const disconnectCloud = options.cloud ? connectSimulatedCloud(options.cloud, sandboxClient, (e) => onError('cloud-bridge', e)) : undefined;
  return {
    url: api.url,
    kubeconfig,
    kubeconfigPath: options.kubeconfigPath,
    clock,
    api,
    controlPlane,
    client: sandboxClient,
    async stop() {
      disconnectCloud?.();
      controlPlane?.stop();
      controlClient?.close();
      sandboxClient.close();
      await api.close();
    },
  };
}
