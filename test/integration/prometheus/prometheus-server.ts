/**
 * Runs a real Prometheus (Debian's package) for a test: backfills OpenMetrics text with
 * `promtool tsdb create-blocks-from openmetrics` into a temporary storage directory, then starts
 * `prometheus` on 127.0.0.1 with an ephemeral port, no scrape targets, and a retention long
 * enough to keep 1995's blocks (retention is measured from the newest block, but be generous).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/net.js';

export function findBinary(name: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** Why the integration tests cannot run here, or undefined when they can. */
export function missingPrometheus(): string | undefined {
  const absent = ['prometheus', 'promtool'].filter((b) => !findBinary(b));
  return absent.length ? `${absent.join(' and ')} not on PATH (apt-get install prometheus; .ci/run does it)` : undefined;
}

export class PrometheusProcess {
  readonly dir: string;
  private child?: ChildProcess;
  private log = '';
  url = '';
  port = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'smartscale-prom-'));
  }

  /** Backfills the OpenMetrics text into the storage directory. */
  backfill(openMetrics: string): void {
    const file = join(this.dir, 'input.om');
    writeFileSync(file, openMetrics);
    const result = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, join(this.dir, 'data')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.status !== 0) throw new Error(`promtool failed (${result.status}): ${result.stderr || result.stdout}`);
    rmSync(file);
  }

  /** Starts the server (again, on the same storage; on the same port when restarting) and waits until ready. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const config = join(this.dir, 'prometheus.yml');
    writeFileSync(config, 'global:\n  scrape_interval: 1m\n');
    this.log = '';
    const child = spawn(
      'prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--storage.tsdb.retention.time=100y',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout?.on('data', (c: Buffer) => (this.log += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (this.log = (this.log + c.toString()).slice(-4000)));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${this.log}`);
      try {
        const response = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.stop();
    throw new Error(`prometheus not ready within ${timeoutMs} ms: ${this.log}`);
  }

  /** Stops the server: SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
