/**
 * Fuzzing /mutate with randomly corrupted AdmissionReviews: every answer must be a valid
 * AdmissionReview (with a patch that applies) or a 400, the server must keep answering, and memory
 * must stay bounded. Seeded, bounded in count, stops by itself.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/model/clock.js';
import { applyJsonPatch, type JsonPatchOperation } from '../../webhook/admission/json-patch.js';
import { buildWebhookApp } from '../../webhook/app.js';
import { RecordingEventRecorder } from '../../webhook/events.js';
import { deployment, forecast, NOW, optedIn, POLICY, review } from './builders.js';

const ITERATIONS = 10_000;
const BODY_LIMIT = 256 * 1024;

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ANNOTATION_KEYS = [
  'smartscale.io/enabled',
  'smartscale.io/mode',
  'smartscale.io/min-replicas',
  'smartscale.io/max-replicas',
  'smartscale.io/target-rps-per-pod',
  'smartscale.io/forecast',
  'smartscale.io/decision',
  'smartscale.io/capacity',
  'smartscale.io/rps-query',
];

function fuzzer(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const randomString = (max: number) => {
    const length = int(max);
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(int(4) === 0 ? int(0xffff) : 32 + int(95));
    return s;
  };
  const deep = (depth: number): unknown => {
    let v: unknown = 'bottom';
    for (let i = 0; i < depth; i++) v = int(2) ? [v] : { n: v };
    return v;
  };
  const wrongValue = (): unknown =>
    pick<() => unknown>([
      () => null,
      () => int(1e6) - 5e5,
      () => randomString(20),
      () => [],
      () => ({}),
      () => true,
      () => 1e308,
      () => -0,
      () => 'x'.repeat(int(50_000)),
      () => deep(1 + int(2000)),
    ])();
  const annotationValue = (): unknown =>
    pick<() => unknown>([
      () => randomString(40),
      () => String(int(1e12) - 1e6),
      () => pick(['true', 'false', 'observe', 'optimize', '', '-1', '1e400', 'NaN', '0.0001', '10000', '10001']),
      () =>
        JSON.stringify(
          forecast({
            upper: Array.from({ length: 1 + int(20) }, () => (int(5) === 0 ? -random() : random() * 10 ** int(12))),
            point: Array.from({ length: 1 + int(20) }, () => random() * 1000),
            generatedAt: NOW - int(4000) + 2000,
            stale: int(4) === 0,
            learnedRpsPerPod: int(3) === 0 ? random() * 100 : undefined,
          }),
        ),
      () => JSON.stringify({ v: 1, generatedAt: 'yesterday', point: 'many' }),
      () => JSON.stringify(deep(int(300))),
      () => '{"action":"hold","mode":"optimize","reason":"x","forecastAt":' + (NOW - 30) + ',"from":' + int(1e6) + '}',
      () => wrongValue(),
    ])();

  /** Sets a random path in an object tree to a value. */
  const corruptPath = (root: Record<string, unknown>, value: unknown) => {
    let node: Record<string, unknown> = root;
    for (let depth = 0; depth < 6; depth++) {
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = pick(keys);
      const child = node[key];
      if (int(3) === 0 || typeof child !== 'object' || child === null || Array.isArray(child)) {
        node[key] = value;
        return;
      }
      node = child as Record<string, unknown>;
    }
    node[randomString(8)] = value;
  };

  /** One corrupted body, as the text to send. */
  return (): string => {
    const annotations: Record<string, unknown> = int(5) === 0 ? {} : optedIn();
    for (let i = int(5); i > 0; i--) annotations[pick(ANNOTATION_KEYS)] = annotationValue();
    const object = deployment({ replicas: int(4) === 0 ? wrongValue() : int(300), annotations, cpu: pick(['250m', '1', 'lots', '1e40', '-1']) });
    const body = review(object, {
      uid: int(50) === 0 ? '' : `uid-${int(1e9)}`,
      operation: pick(['CREATE', 'UPDATE', 'UPDATE', 'DELETE']),
      dryRun: int(2) === 0,
      oldObject: int(2) === 0 ? deployment({ replicas: int(4) === 0 ? wrongValue() : int(300) }) : undefined,
    });
    const kind = int(10);
    if (kind === 0) corruptPath(body, wrongValue());
    else if (kind === 1) delete (body.request as Record<string, unknown>)[pick(['uid', 'kind', 'object', 'operation'])];
    else if (kind === 2) corruptPath(body.request as Record<string, unknown>, wrongValue());
    const text = JSON.stringify(body);
    const shape = int(12);
    if (shape === 0) return text.slice(0, int(text.length)); // truncated
    if (shape === 1) return text.replace(/[{}[\]":,]/, () => randomString(1)); // one structural character wrong
    if (shape === 2) return randomString(200);
    if (shape === 3) return '['.repeat(1 + int(100_000)); // deep, unterminated
    if (shape === 4) return `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":${'{"a":'.repeat(int(5000))}1${'}'.repeat(int(5000))}}`;
    if (shape === 5) return text.replace('"checkout"', JSON.stringify('y'.repeat(BODY_LIMIT))); // over the limit
    return text;
  };
}

function isValidReview(body: Record<string, unknown>, sent: string): string | undefined {
  if (body.apiVersion !== 'admission.k8s.io/v1' || body.kind !== 'AdmissionReview') return 'wrong apiVersion/kind';
  const response = body.response as Record<string, unknown> | undefined;
  if (!response || response.allowed !== true) return 'not allowed';
  const request = (JSON.parse(sent) as { request: { uid: string; object?: Record<string, unknown> } }).request;
  if (response.uid !== request.uid) return 'uid not echoed';
  if (response.warnings !== undefined && (!Array.isArray(response.warnings) || !response.warnings.every((w) => typeof w === 'string'))) {
    return 'warnings not strings';
  }
  if (response.patch !== undefined) {
    if (response.patchType !== 'JSONPatch') return 'patch without patchType';
    const ops = JSON.parse(Buffer.from(String(response.patch), 'base64').toString('utf8')) as JsonPatchOperation[];
    if (!Array.isArray(ops) || ops.length === 0) return 'empty patch sent';
    applyJsonPatch(request.object, ops); // throws if it does not apply
  }
  return undefined;
}

describe('fuzzing /mutate', () => {
  it(`answers ${ITERATIONS} corrupted reviews with a valid review or a 400, and keeps memory bounded`, { timeout: 180_000 }, async () => {
    const events = new RecordingEventRecorder(100);
    const app = buildWebhookApp({
      logger: pino({ level: 'silent' }),
      policy: () => POLICY,
      clock: new ManualClock(NOW * 1000),
      bodyLimit: BODY_LIMIT,
      events,
    });
    const next = fuzzer(rng(20261122));
    const counts = { ok: 0, patched: 0, badRequest: 0 };
    let heapAtWarmup = 0;
    try {
      for (let i = 0; i < ITERATIONS; i++) {
        const sent = next();
        const res = await app.inject({ method: 'POST', url: '/mutate', payload: sent, headers: { 'content-type': 'application/json' } });
        if (res.statusCode === 400) {
          counts.badRequest++;
          expect(typeof res.json().message).toBe('string');
        } else {
          expect(res.statusCode, `iteration ${i}: ${res.body.slice(0, 200)}`).toBe(200);
          const problem = isValidReview(res.json(), sent);
          expect(problem, `iteration ${i}`).toBeUndefined();
          counts.ok++;
          if (res.json().response.patch) counts.patched++;
        }
        if (i === 1000) heapAtWarmup = process.memoryUsage().heapUsed;
      }
      // Still healthy after all that.
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      (globalThis as { gc?: () => void }).gc?.();
      const growthMb = (process.memoryUsage().heapUsed - heapAtWarmup) / 2 ** 20;
      expect(growthMb).toBeLessThan(96);
      // The mix really exercised both answers and the mutation path.
      expect(counts.ok).toBeGreaterThan(ITERATIONS * 0.3);
      expect(counts.badRequest).toBeGreaterThan(ITERATIONS * 0.2);
      expect(counts.patched).toBeGreaterThan(ITERATIONS * 0.05);
      console.log(JSON.stringify({ fuzz: ITERATIONS, ...counts, heapGrowthMb: Math.round(growthMb) }));
    } finally {
      await app.close();
    }
  });
});
