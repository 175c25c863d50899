import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/model/clock.js';
import { applyJsonPatch, type JsonPatchOperation } from '../../webhook/admission/json-patch.js';
import { buildWebhookApp, type WebhookAppOptions } from '../../webhook/app.js';
import { RecordingEventRecorder } from '../../webhook/events.js';
import { mutate } from '../../webhook/mutate/index.js';
import { context, deployment, NOW, optedIn, POLICY, review } from './builders.js';

const silent = pino({ level: 'silent' });
const apps: Array<ReturnType<typeof buildWebhookApp>> = [];

function app(options: Partial<WebhookAppOptions> = {}) {
  const built = buildWebhookApp({ logger: silent, policy: () => POLICY, clock: new ManualClock(NOW * 1000), ...options });
  apps.push(built);
  return built;
}

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function post(a: ReturnType<typeof buildWebhookApp>, body: unknown) {
  const res = await a.inject({ method: 'POST', url: '/mutate', payload: body as object });
  return { status: res.statusCode, body: res.json() as { apiVersion: string; kind: string; response: Record<string, unknown> } };
}

function decodePatch(patch: unknown): JsonPatchOperation[] {
  return JSON.parse(Buffer.from(String(patch), 'base64').toString('utf8'));
}

describe('POST /mutate', () => {
  it('answers an opted-in Deployment with a base64 JSONPatch that produces what mutate decided', async () => {
    const object = deployment({ replicas: 5, annotations: optedIn() });
    const { status, body } = await post(app(), review(object, { uid: 'abc-123' }));
    expect(status).toBe(200);
    expect(body.apiVersion).toBe('admission.k8s.io/v1');
    expect(body.kind).toBe('AdmissionReview');
    expect(body.response).toMatchObject({ uid: 'abc-123', allowed: true, patchType: 'JSONPatch' });
    const patched = applyJsonPatch(object, decodePatch(body.response.patch));
    expect(patched).toEqual(mutate(object, context()).deployment);
    expect((patched.spec as { replicas: number }).replicas).toBe(11);
  });

  it('answers without a patch when the Deployment is not opted in', async () => {
    const { body } = await post(app(), review(deployment({ replicas: 5 })));
    expect(body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it('answers without a patch when nothing changes (its own output)', async () => {
    const once = mutate(deployment({ replicas: 5, annotations: optedIn() }), context()).deployment;
    const { body } = await post(app(), review(once));
    expect(body.response.patch).toBeUndefined();
    expect(body.response.patchType).toBeUndefined();
  });

  it('lets other kinds and operations through untouched', async () => {
    const pod = review(deployment({ annotations: optedIn() }));
    (pod.request as Record<string, unknown>).kind = { group: '', version: 'v1', kind: 'Pod' };
    expect((await post(app(), pod)).body.response).toEqual({ uid: expect.any(String), allowed: true });
    const del = review(deployment({ annotations: optedIn() }), { operation: 'DELETE' });
    expect((await post(app(), del)).body.response.patch).toBeUndefined();
  });

  it('uses the live replicas of the old object on UPDATE', async () => {
    const object = deployment({ replicas: 3, annotations: optedIn() });
    const oldObject = deployment({ replicas: 20, annotations: optedIn() });
    const { body } = await post(app(), review(object, { oldObject }));
    const patched = applyJsonPatch(object, decodePatch(body.response.patch));
    expect((patched.spec as { replicas: number }).replicas).toBe(18);
  });

  it('leaves spec.replicas alone when an HPA owns it', async () => {
    const seen: string[] = [];
    const a = app({ ownership: { hpaOwnsReplicas: (ns, name) => (seen.push(`${ns}/${name}`), true) } });
    const object = deployment({ replicas: 5, annotations: optedIn() });
    const { body } = await post(a, review(object));
    const ops = decodePatch(body.response.patch);
    expect(ops.some((op) => op.path === '/spec/replicas')).toBe(false);
    expect(ops).toContainEqual({ op: 'add', path: '/metadata/annotations/smartscale.io~1replicas-owner', value: 'hpa' });
    expect(seen).toEqual(['shop/checkout']);
  });

  it('allows bad annotation values with warnings and records an Event after answering', async () => {
    const events = new RecordingEventRecorder();
    const a = app({ events });
    const object = deployment({ replicas: 5, annotations: optedIn({ 'smartscale.io/max-replicas': '-1' }) });
    const { body } = await post(a, review(object));
    expect(body.response.allowed).toBe(true);
    expect(body.response.warnings).toEqual([expect.stringMatching(/max-replicas="-1" ignored/)]);
    expect(events.events).toEqual([
      { namespace: 'shop', name: 'checkout', type: 'Warning', reason: 'InvalidAnnotation', message: expect.stringMatching(/max-replicas/) },
    ]);
  });

  it('admits an unusable rps-query with a warning and an InvalidAnnotation Event', async () => {
    const events = new RecordingEventRecorder();
    const object = deployment({ replicas: 5, annotations: optedIn({ 'smartscale.io/rps-query': 'sum(rate(hits{service={deployment}}[1m]))' }) });
    const { body } = await post(app({ events }), review(object));
    expect(body.response.allowed).toBe(true);
    const warning = 'smartscale.io/rps-query is unusable (placeholder {deployment} must be inside a quoted label value, e.g. service="{deployment}"): no forecast is made until it is fixed';
    expect(body.response.warnings).toEqual([warning]);
    expect(events.events).toEqual([{ namespace: 'shop', name: 'checkout', type: 'Warning', reason: 'InvalidAnnotation', message: warning }]);
  });

  it('honours dryRun: the same patch, no Event', async () => {
    const events = new RecordingEventRecorder();
    const a = app({ events });
    const object = deployment({ replicas: 5, annotations: optedIn({ 'smartscale.io/max-replicas': '-1' }) });
    const dry = await post(a, review(object, { dryRun: true }));
    const wet = await post(a, review(object, { dryRun: false }));
    expect(dry.body.response.patch).toBe(wet.body.response.patch);
    expect(dry.body.response.warnings).toEqual(wet.body.response.warnings);
    expect(events.events).toHaveLength(1); // only the non-dryRun one
  });

  it('survives an event recorder that fails', async () => {
    const a = app({ events: { record: async () => Promise.reject(new Error('API down')) } });
    const object = deployment({ replicas: 5, annotations: optedIn({ 'smartscale.io/mode': 'bad' }) });
    expect((await post(a, review(object))).status).toBe(200);
    const metrics = await a.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/smartscale_webhook_event_failures_total 1/);
  });

  const reviewWith = (edit: (r: Record<string, unknown>) => void) => {
    const r = review(deployment({ annotations: optedIn() }));
    edit(r);
    return JSON.stringify(r);
  };

  it.each([
    ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", "kind":', /JSON/i],
    ['a JSON array', '[]', /JSON object/],
    ['wrong apiVersion', reviewWith((r) => (r.apiVersion = 'admission.k8s.io/v1beta1')), /apiVersion must be admission.k8s.io\/v1/],
    ['wrong kind', reviewWith((r) => (r.kind = 'ConfigMap')), /kind must be AdmissionReview/],
    ['no request', reviewWith((r) => delete r.request), /request must be an object/],
    ['missing uid', reviewWith((r) => delete (r.request as Record<string, unknown>).uid), /uid is missing/],
    ['uid of the wrong type', reviewWith((r) => ((r.request as Record<string, unknown>).uid = 42)), /uid is missing/],
    ['object of the wrong type', reviewWith((r) => ((r.request as Record<string, unknown>).object = 'x')), /object must be an object/],
    ['dryRun of the wrong type', reviewWith((r) => ((r.request as Record<string, unknown>).dryRun = 'yes')), /dryRun/],
  ])('answers 400 for %s', async (_label, payload, message) => {
    const res = await app().inject({ method: 'POST', url: '/mutate', payload, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(message);
  });

  it('answers 400 for a body over the limit', async () => {
    const a = app({ bodyLimit: 10_000 });
    const object = deployment({ annotations: optedIn({ filler: 'x'.repeat(20_000) }) });
    const res = await a.inject({ method: 'POST', url: '/mutate', payload: review(object) });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/too large/i);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await app().inject({ method: 'POST', url: '/mutate', payload: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(400);
  });
});

describe('health, readiness and metrics', () => {
  it('reports health and readiness', async () => {
    let ready = false;
    const a = app({ isReady: () => ready });
    expect((await a.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await a.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    ready = true;
    expect((await a.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('counts admissions by result, latency and patches in Prometheus text format', async () => {
    const a = app();
    await post(a, review(deployment({ replicas: 5, annotations: optedIn() })));
    await post(a, review(deployment({ replicas: 5 })));
    await post(a, review(deployment({ replicas: 5, annotations: optedIn() }), { dryRun: true }));
    await a.inject({ method: 'POST', url: '/mutate', payload: '{', headers: { 'content-type': 'application/json' } });
    const res = await a.inject({ method: 'GET', url: '/metrics' });
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(res.body).toContain('smartscale_webhook_admissions_total{result="patched",dry_run="false"} 1');
    expect(res.body).toContain('smartscale_webhook_admissions_total{result="patched",dry_run="true"} 1');
    expect(res.body).toContain('smartscale_webhook_admissions_total{result="skipped",dry_run="false"} 1');
    expect(res.body).toContain('smartscale_webhook_admissions_total{result="rejected",dry_run="false"} 1');
    expect(res.body).toContain('smartscale_webhook_admission_duration_seconds_count 4');
    expect(res.body).toMatch(/smartscale_webhook_admission_duration_seconds_bucket\{le="\+Inf"\} 4/);
    expect(res.body).toContain('smartscale_webhook_patches_total 2');
    expect(res.body).toMatch(/smartscale_webhook_patch_operations_total [1-9]\d*/);
  });
});
