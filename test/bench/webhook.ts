/**
 * Webhook benchmark: realistic AdmissionReviews (an opted-in Deployment of about 5 KB) over TLS on
 * loopback, sent by autocannon for a fixed duration to (1) the smartscale webhook and (2) a bare TLS
 * fastify endpoint that only echoes an allowed response, in the same run, same certificate, same load.
 *
 *   npm run bench:webhook -- --json [--duration 20] [--connections 4]
 *
 * The servers run the built JavaScript (`npm run build`; TypeScript through tsx when there is no build).
 *
 * Each server runs in its own child process so the load generator does not share its event loop.
 * Prints one JSON object: {"rps","p50Ms","p99Ms","bareRps","bareP99Ms","ratio", ...details}; the
 * details include each server's CPU time per request (cpuRatio = bare / webhook), which stays
 * meaningful when other work on the machine makes throughput noisy.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import fastify from 'fastify';
import { pino } from 'pino';
import { createCertificateAuthority, issueServingCertificate, type ServingCertificate } from '../../core/tls/index.js';
import { startWebhook } from '../../webhook/serve.js';
import { secureContextOptions } from '../../webhook/tls.js';
import { deployment, forecast, optedIn, POLICY, review } from '../webhook/builders.js';

type ServerKind = 'webhook' | 'bare';

interface Args {
  json: boolean;
  duration: number;
  connections: number;
  serve?: ServerKind;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, duration: 20, connections: 4 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '--duration') args.duration = Number(argv[++i]);
    else if (a === '--connections') args.connections = Number(argv[++i]);
    else if (a === '--serve') args.serve = argv[++i] as ServerKind;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!(args.duration >= 4 && args.duration <= 600)) throw new Error('--duration must be 4..600 seconds (per server)');
  if (!(Number.isInteger(args.connections) && args.connections >= 1 && args.connections <= 256)) throw new Error('--connections must be 1..256');
  return args;
}

/** A realistic opted-in Deployment review: a few containers, env, probes, a 5-step forecast. */
function benchReview(): string {
  const nowSec = Math.floor(Date.now() / 1000);
  const object = deployment({
    replicas: 6,
    sidecars: 5,
    annotations: optedIn(
      {
        'smartscale.io/min-replicas': '2',
        'smartscale.io/max-replicas': '40',
        'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"checkout"}}',
      },
      forecast({ generatedAt: nowSec - 20, point: [80, 90, 100, 150, 120, 110, 95, 90], upper: [100, 110, 120, 200, 140, 130, 115, 105] }),
    ),
  });
  return JSON.stringify(review(object, { oldObject: deployment({ replicas: 6 }) }));
}

async function serve(kind: ServerKind, cert: ServingCertificate): Promise<number> {
  const logger = pino({ level: 'warn' });
  if (kind === 'webhook') {
    const running = await startWebhook({
      logger,
      source: { load: async () => ({ certPem: cert.certPem, keyPem: cert.keyPem }) },
      host: '127.0.0.1',
      port: 0,
      policy: () => POLICY,
    });
    return running.address.port;
  }
  const app = fastify({ loggerInstance: logger, https: secureContextOptions(cert) });
  app.post('/mutate', async (request) => {
    const uid = (request.body as { request?: { uid?: string } })?.request?.uid ?? '';
    return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } };
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as { port: number }).port;
}

/** CPU time (user + system, µs) the server process has used: contention on a shared machine slows
 * a server down but does not make it use more CPU per request, so this is the steadier comparison. */
function cpuMicros(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { cpuMicros: number }).cpuMicros));
    child.send({ cpu: true });
  });
}

const ROOT = resolve(import.meta.dirname, '..', '..');
/**
 * The servers run the built JavaScript when there is a build — what `node dist/webhook/server.js`
 * ships; tsx's transform (name-keeping wrappers on every closure) would count as webhook cost.
 */
const BUILT = join(ROOT, 'dist', 'test', 'bench', 'webhook.js');
const runner = existsSync(BUILT) ? 'node dist' : 'tsx';

function startChild(kind: ServerKind, cert: ServingCertificate): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolveStart, reject) => {
    const extra = process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child = existsSync(BUILT)
      ? fork(BUILT, ['--serve', kind], { execArgv: extra, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
      : fork(fileURLToPath(import.meta.url), ['--serve', kind], { execArgv: [...process.execArgv, ...extra], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (m) => resolveStart({ child, port: (m as { port: number }).port }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
    child.send({ cert });
  });
}

/** Percentile of sorted values (nearest rank). */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

async function load(port: number, body: string, ca: string, seconds: number, connections: number) {
  // autocannon's own histogram has 1 ms resolution; keep each response time (ms, float) for
  // sub-millisecond percentiles. Bounded: at most a few hundred thousand numbers per run.
  const times: number[] = [];
  const instance = autocannon({
    url: `https://127.0.0.1:${port}/mutate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
    tlsOptions: { ca },
  } as autocannon.Options) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode === 200 && times.length < 2_000_000) times.push(responseTime);
  });
  const result = await instance;
  return { times, seconds: result.duration, total: result.requests.total, errors: result.errors + result.non2xx + result.timeouts };
}

type Round = Awaited<ReturnType<typeof load>> & { cpuMicros: number };

async function measuredRound(server: { child: ChildProcess; port: number }, body: string, ca: string, seconds: number, connections: number): Promise<Round> {
  const before = await cpuMicros(server.child);
  const result = await load(server.port, body, ca, seconds, connections);
  return { ...result, cpuMicros: (await cpuMicros(server.child)) - before };
}

function summarize(rounds: Round[]) {
  const sorted = Float64Array.from(rounds.flatMap((r) => r.times)).sort();
  const total = rounds.reduce((n, r) => n + r.total, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  return {
    rps: total / seconds,
    p50Ms: round3(percentile(sorted, 50)),
    p99Ms: round3(percentile(sorted, 99)),
    cpuMicrosPerRequest: rounds.reduce((n, r) => n + r.cpuMicros, 0) / total,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.serve) {
    // Exit normally on SIGTERM, so --cpu-prof (BENCH_CHILD_NODE_ARGS) can write its profile.
    process.once('SIGTERM', () => process.exit(0));
    process.once('message', (m) => {
      serve(args.serve!, (m as { cert: ServingCertificate }).cert).then((port) => {
        process.send!({ port });
        // Later messages ask for the CPU time this server has used so far.
        process.on('message', () => {
          const { user, system } = process.cpuUsage();
          process.send!({ cpuMicros: user + system });
        });
      });
    });
    return;
  }
  const ca = createCertificateAuthority({ commonName: 'bench-ca', validityDays: 1 });
  const cert = issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  const body = benchReview();
  const webhook = await startChild('webhook', cert);
  const bare = await startChild('bare', cert);
  try {
    // Warm both up (JIT, TLS session setup) before measuring.
    await load(webhook.port, body, ca.certPem, 2, args.connections);
    await load(bare.port, body, ca.certPem, 2, args.connections);
    // The machine is shared: interleave the two servers in rounds (w b, b w, w b, …) so drifting
    // background load falls on both alike, each getting `duration` seconds in total.
    // One-second slices: background load changes over seconds, so finer interleaving cancels more of it.
    const rounds = Math.max(4, Math.round(args.duration));
    const slice = args.duration / rounds;
    const webhookRounds: Round[] = [];
    const bareRounds: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      const order = i % 2 === 0 ? (['w', 'b'] as const) : (['b', 'w'] as const);
      for (const which of order) {
        if (which === 'w') webhookRounds.push(await measuredRound(webhook, body, ca.certPem, slice, args.connections));
        else bareRounds.push(await measuredRound(bare, body, ca.certPem, slice, args.connections));
      }
    }
    const w = summarize(webhookRounds);
    const b = summarize(bareRounds);
    const out = {
      rps: Math.round(w.rps),
      p50Ms: w.p50Ms,
      p99Ms: w.p99Ms,
      bareRps: Math.round(b.rps),
      bareP99Ms: b.p99Ms,
      ratio: Math.round((w.rps / b.rps) * 1000) / 1000,
      // Server CPU per request, and the throughput ratio it implies when the server is the bottleneck.
      cpuUsPerRequest: Math.round(w.cpuMicrosPerRequest),
      bareCpuUsPerRequest: Math.round(b.cpuMicrosPerRequest),
      cpuRatio: Math.round((b.cpuMicrosPerRequest / w.cpuMicrosPerRequest) * 1000) / 1000,
      loadAverage: Math.round(loadavg()[0] * 100) / 100,
      bodyBytes: Buffer.byteLength(body),
      connections: args.connections,
      durationSec: args.duration,
      errors: w.errors + b.errors,
      node: process.version,
      servers: runner,
    };
    process.stdout.write(args.json ? `${JSON.stringify(out)}\n` : `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    for (const { child } of [webhook, bare]) {
      child.removeAllListeners('exit');
      child.kill('SIGTERM');
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:webhook: ${(err as Error).message}\n`);
  process.exit(1);
});
