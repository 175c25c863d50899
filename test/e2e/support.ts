/** Running the real kubectl against a sandbox, bounded in time. */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../core/sandbox/sandbox.js';

export function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, 'kubectl');
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface E2eCluster {
  sandbox: Sandbox;
  dir: string;
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Starts a long-running kubectl (e.g. --watch); the caller kills it. */
  spawnKubectl(args: string[]): ChildProcess;
  stop(): Promise<void>;
}

export async function startE2eCluster(kubectlPath: string): Promise<E2eCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'smartscale-e2e-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ kubeconfigPath, nodeReadyDelayMs: 100, podStartDelayMs: 50, bookmarkIntervalMs: 1000 });
  const env = { ...process.env, KUBECONFIG: kubeconfigPath, HOME: dir };
  const base = ['--cache-dir', join(dir, 'cache'), '--request-timeout=20s'];
  const children = new Set<ChildProcess>();
  return {
    sandbox,
    dir,
    kubectl(args, options = {}) {
      return new Promise((resolve) => {
        const child = execFile(kubectlPath, [...base, ...args], { env, timeout: options.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
          const code = error ? (typeof (error as any).code === 'number' ? (error as any).code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        });
        if (options.input !== undefined) child.stdin?.end(options.input);
      });
    },
    spawnKubectl(args) {
      const child = spawn(kubectlPath, [...base, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    async stop() {
      for (const c of children) c.kill('SIGKILL');
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
