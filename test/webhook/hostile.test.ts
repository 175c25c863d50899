/**
 * The webhook's HTTP surface under hostile and odd input: every answer is a well-formed
 * AdmissionReview that allows the write (with warnings where input was ignored), or a 400 naming
 * the problem (which failurePolicy Ignore turns into an unmutated write); never a 500, and every
 * patch applies as RFC 6902 to the object sent.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/model/clock.js';
import { applyJsonPatch, type JsonPatchOperation } from '../../webhook/admission/json-patch.js';
import { buildWebhookApp } from '../../webhook/app.js';
import { RecordingEventRecorder } from '../../webhook/events.js';
import { mutate } from '../../webhook/mutate/index.js';
import { context, deployment, forecast, NOW, optedIn, POLICY, review } from './builders.js';

const apps: Array<ReturnType<typeof buildWebhookApp>> = [];
function app() {
  const built = buildWebhookApp({ logger: pino({ level: 'silent' }), policy: () => POLICY, clock: new ManualClock(NOW * 1000) });
  apps.push(built);
  return built;
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

type Json = Record<string, unknown>;

async function send(payload: string | object, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await app().inject({ method: 'POST', url: '/mutate', payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers });
  return { status: res.statusCode, body: res.json() as { apiVersion?: string; kind?: string; response?: Json; message?: string } };
}

function decode(patch: unknown): JsonPatchOperation[] {
  return JSON.parse(Buffer.from(String(patch), 'base64').toString('utf8'));
}

/** A valid AdmissionReview answer for `uid`, allowing the write; returns its decoded patch. */
function expectAllowed(body: Awaited<ReturnType<typeof send>>['body'], uid: string): JsonPatchOperation[] {
  expect(body.apiVersion).toBe('admission.k8s.io/v1');
  expect(body.kind).toBe('AdmissionReview');
  expect(body.response).toMatchObject({ uid, allowed: true });
  for (const w of (body.response!.warnings as string[] | undefined) ?? []) {
    expect(w.length).toBeLessThanOrEqual(256);
    expect(w).not.toMatch(/[\u0000-\u001f]/);
  }
  if (body.response!.patch === undefined) {
    expect(body.response!.patchType).toBeUndefined();
    return [];
  }
  expect(body.response!.patchType).toBe('JSONPatch');
  return decode(body.response!.patch);
}

const withRequest = (object: Json, edit: (request: Json) => void): Json => {
  const r = review(object);
  edit(r.request as Json);
  return r;
};

describe('requests the webhook must let through untouched', () => {
  const object = deployment({ replicas: 5, annotations: optedIn() });
  it.each([
    ['the status subresource', (r: Json) => (r.subResource = 'status')],
    ['the scale subresource (as a Deployment kind)', (r: Json) => (r.subResource = 'scale')],
    ['DELETE, with object null', (r: Json) => ((r.operation = 'DELETE'), (r.object = null), (r.oldObject = object))],
    ['CONNECT', (r: Json) => (r.operation = 'CONNECT')],
    ['an unknown operation', (r: Json) => (r.operation = 'PATCH')],
    ['CREATE with object null', (r: Json) => ((r.operation = 'CREATE'), (r.object = null))],
    ['another version of Deployment', (r: Json) => (r.kind = { group: 'apps', version: 'v1beta2', kind: 'Deployment' })],
    ['a Scale object', (r: Json) => (r.kind = { group: 'autoscaling', version: 'v1', kind: 'Scale' })],
  ])('%s', async (_label, edit) => {
    const { status, body } = await send(withRequest(object, edit));
    expect(status).toBe(200);
    expect(expectAllowed(body, '705ab4f5-6393-11e8-b7cc-42010a800002')).toEqual([]);
  });
});

describe('bodies the webhook refuses with a 400 naming the problem', () => {
  const good = JSON.stringify(review(deployment({ annotations: optedIn() })));
  it.each([
    ['an empty body', '', { 'content-type': 'application/json' }, /body/i],
    ['a truncated body', good.slice(0, good.length / 2), { 'content-type': 'application/json' }, /JSON/i],
    ['a text content type', good, { 'content-type': 'text/plain' }, /^content-type must be application\/json, got "text\/plain"$/],
    ['a form content type', good, { 'content-type': 'application/x-www-form-urlencoded' }, /^content-type must be application\/json/],
    ['JSON null', 'null', { 'content-type': 'application/json' }, /JSON object/],
    ['a number', '42', { 'content-type': 'application/json' }, /JSON object/],
    // (fastify's parser refuses it; its message calls it invalid JSON.)
    ['prototype poisoning', good.replace('"request":{', '"request":{"__proto__":{"allowed":false},'), { 'content-type': 'application/json' }, /JSON/],
    ['constructor poisoning', good.replace('"request":{', '"request":{"constructor":{"prototype":{"allowed":false}},'), { 'content-type': 'application/json' }, /JSON/],
    ['an empty uid', good.replace(/"uid":"[^"]*"/, '"uid":""'), { 'content-type': 'application/json' }, /uid is missing/],
    ['a uid of 10,000 characters', good.replace(/"uid":"[^"]*"/, `"uid":"${'u'.repeat(10_000)}"`), { 'content-type': 'application/json' }, /uid is longer/],
    ['a kind that is a string', good.replace(/"kind":\{"group":"apps","version":"v1","kind":"Deployment"\}/, '"kind":"Deployment"'), { 'content-type': 'application/json' }, /request.kind/],
    ['an operation that is a number', good.replace('"operation":"UPDATE"', '"operation":3'), { 'content-type': 'application/json' }, /operation/],
    ['a subResource that is a number', good.replace('"operation":"UPDATE"', '"operation":"UPDATE","subResource":7'), { 'content-type': 'application/json' }, /subResource must be a string/],
    ['a namespace that is an object', good.replace('"namespace":"shop"', '"namespace":{}'), { 'content-type': 'application/json' }, /namespace/],
  ])('%s', async (_label, payload, headers, message) => {
    const { status, body } = await send(payload, headers);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'Bad Request', message: expect.stringMatching(message) });
  });

  it('accepts application/json with a charset', async () => {
    const { status, body } = await send(good, { 'content-type': 'application/json; charset=utf-8' });
    expect(status).toBe(200);
    expect(expectAllowed(body, '705ab4f5-6393-11e8-b7cc-42010a800002').length).toBeGreaterThan(0);
  });
});

describe('patches are valid RFC 6902 for the object sent', () => {
  async function patched(object: Json): Promise<{ ops: JsonPatchOperation[]; warnings: string[]; after: Json }> {
    const { status, body } = await send(review(object));
    expect(status).toBe(200);
    const ops = expectAllowed(body, '705ab4f5-6393-11e8-b7cc-42010a800002');
    const after = applyJsonPatch(object, ops);
    // What the API server stores is what mutate decided, and mutating that again changes nothing.
    expect(after).toEqual(mutate(object, context()).deployment);
    expect(mutate(after, context()).deployment).toBe(after);
    return { ops, warnings: (body.response!.warnings as string[] | undefined) ?? [], after };
  }

  it('adds the whole annotations map when the Deployment has none', async () => {
    const object = deployment({ replicas: 5, noAnnotations: true });
    // Opted in through a label-free path: annotations absent means not opted in, so nothing happens.
    expect((await patched(object)).ops).toEqual([]);
  });

  it('replaces an annotations value of the wrong type instead of adding into it', async () => {
    const object = deployment({ replicas: 5 });
    (object.metadata as Json).annotations = null;
    expect((await patched(object)).ops).toEqual([]);
  });

  it('escapes the slash of annotation keys as ~1 and adds keys that are absent', async () => {
    const { ops } = await patched(deployment({ replicas: 5, annotations: optedIn() }));
    const annotationOps = ops.filter((op) => op.path.startsWith('/metadata/annotations/'));
    expect(annotationOps.length).toBeGreaterThan(0);
    for (const op of annotationOps) {
      expect(op.path).toMatch(/^\/metadata\/annotations\/smartscale\.io~1[a-z-]+$/);
      expect(op.op).toBe('add');
    }
  });

  it('replaces keys that exist', async () => {
    const { ops } = await patched(deployment({ replicas: 5, annotations: optedIn({ 'smartscale.io/target-replicas': '1' }) }));
    expect(ops).toContainEqual({ op: 'replace', path: '/metadata/annotations/smartscale.io~1target-replicas', value: expect.any(String) });
  });

  it.each([
    ['absent', undefined, 'add'],
    ['0', 0, 'replace'],
    ['the int32 maximum', 2 ** 31 - 1, 'replace'],
  ])('sets spec.replicas when it is %s', async (_label, replicas, op) => {
    const { ops, after } = await patched(deployment({ replicas, annotations: optedIn() }));
    expect(ops).toContainEqual({ op, path: '/spec/replicas', value: expect.any(Number) });
    const written = (after.spec as Json).replicas as number;
    expect(written).toBeGreaterThanOrEqual(POLICY.defaultMinReplicas);
    expect(written).toBeLessThanOrEqual(POLICY.defaultMaxReplicas);
  });

  it.each([
    ['a string', '3'],
    ['a fraction', 3.5],
    ['negative', -1],
    ['above the int32 maximum', 2 ** 31],
    ['1e300', 1e300],
    ['an object', { value: 3 }],
  ])('leaves spec.replicas alone, with a warning, when it is %s', async (_label, replicas) => {
    const { ops, warnings } = await patched(deployment({ replicas, annotations: optedIn() }));
    expect(ops.some((op) => op.path === '/spec/replicas')).toBe(false);
    expect(warnings).toContainEqual(expect.stringMatching(/spec.replicas/));
  });

  it('survives a Deployment without strategy, template or selector', async () => {
    const object = deployment({ replicas: 5, annotations: optedIn() });
    object.spec = { replicas: 5 };
    const { ops } = await patched(object);
    expect(ops.length).toBeGreaterThan(0);
  });
});

describe('odd annotation values', () => {
  async function warningsFor(annotations: Json): Promise<string[]> {
    const object = deployment({ replicas: 5, annotations: optedIn(annotations) });
    const { status, body } = await send(review(object));
    expect(status).toBe(200);
    const ops = expectAllowed(body, '705ab4f5-6393-11e8-b7cc-42010a800002');
    expect(() => applyJsonPatch(object, ops)).not.toThrow();
    return (body.response!.warnings as string[] | undefined) ?? [];
  }

  it('ignores non-string values under the smartscale prefix, naming them', async () => {
    const warnings = await warningsFor({ 'smartscale.io/max-replicas': 7, 'smartscale.io/mode': { a: 1 }, 'example.com/other': 5 });
    expect(warnings).toEqual([
      'smartscale.io/max-replicas ignored: annotation values must be strings',
      'smartscale.io/mode ignored: annotation values must be strings',
    ]);
  });

  it('keeps warnings about huge values short and printable', async () => {
    const huge = `9\u0007\n${'9'.repeat(200_000)}`;
    const warnings = await warningsFor({ 'smartscale.io/min-replicas': huge, 'smartscale.io/rps-query': 'x'.repeat(100_000), 'example.com/blob': 'y'.repeat(200_000) });
    expect(warnings).toHaveLength(2);
    // The value is quoted as JSON (control characters escaped) and cut at 64 characters.
    expect(warnings[0]).toMatch(/^smartscale.io\/min-replicas="9\\u0007\\n9{61}…" ignored: expected a whole number from 0 to 10000$/);
    expect(warnings[1]).toMatch(/^smartscale.io\/rps-query ignored/);
  });

  it('answers a Deployment with a thousand annotations', async () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`team.example.com/key-${i}`, `value-${i}`]));
    expect(await warningsFor(many)).toEqual([]);
  });
});

describe('the opt-in and typos reach the user', () => {
  it('warns about a misspelt opt-in, without mutating (the configuration sends any value of it)', async () => {
    const object = deployment({ replicas: 5, annotations: { 'smartscale.io/enabled': 'True' } });
    const { body } = await send(review(object));
    expect(expectAllowed(body, '705ab4f5-6393-11e8-b7cc-42010a800002')).toEqual([]);
    expect(body.response!.warnings).toEqual(['smartscale.io/enabled="True" ignored: expected "true" or "false"']);
  });

  it('says nothing for "false" or a Deployment without the opt-in', async () => {
    for (const annotations of [{ 'smartscale.io/enabled': 'false', 'smartscale.io/max-replica': '3' }, { 'smartscale.io/max-replicas': 'x' }]) {
      const { body } = await send(review(deployment({ replicas: 5, annotations })));
      expect(body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
    }
  });

  it('warns about an unknown smartscale.io/ key on an opted-in Deployment', async () => {
    const { body } = await send(review(deployment({ replicas: 5, annotations: optedIn({ 'smartscale.io/max-replica': '3' }) })));
    expect(body.response!.warnings).toEqual(['"smartscale.io/max-replica" is not a smartscale annotation and is ignored (did you mean max-replicas?)']);
  });
});

describe('idempotent damping whatever the forecast time', () => {
  it.each([NOW - 30, NOW - 30.5, NOW - 0.001])('generatedAt %d: a second write of the same forecast damps no further', (generatedAt) => {
    const object = deployment({ replicas: 30, annotations: optedIn({}, forecast({ generatedAt })) });
    const once = mutate(object, context({ liveReplicas: 30 })).deployment;
    expect((once.spec as Json).replicas).toBe(27);
    const again = mutate(once, context({ liveReplicas: 27 }));
    expect(again.deployment).toBe(once);
  });
});

describe('reinvocation after another webhook changed the Deployment (reinvocationPolicy IfNeeded)', () => {
  it('follows the new pod template and keeps its replica decision', () => {
    const first = mutate(deployment({ replicas: 5, annotations: optedIn() }), context({ liveReplicas: 5 })).deployment;
    // A later webhook doubles the requests; the API server calls smartscale again with that object.
    const changed = structuredClone(first) as Json;
    const container = ((changed.spec as Json).template as { spec: { containers: Array<{ resources: { requests: Json } }> } }).spec.containers[0];
    container.resources.requests = { cpu: '500m', memory: '1Gi' };
    const again = mutate(changed, context({ liveReplicas: 5 })).deployment;
    const annotations = (d: Json) => (d.metadata as Json).annotations as Record<string, string>;
    expect((again.spec as Json).replicas).toBe((first.spec as Json).replicas);
    expect(annotations(again)['smartscale.io/decision']).toBe(annotations(first)['smartscale.io/decision']);
    expect(annotations(again)['smartscale.io/capacity']).not.toBe(annotations(first)['smartscale.io/capacity']);
    // And a third call changes nothing.
    expect(mutate(again, context({ liveReplicas: 5 })).deployment).toBe(again);
  });
});

describe('the Event about ignored values', () => {
  it('carries the same printable sentences as the response', async () => {
    const events = new RecordingEventRecorder();
    const a = buildWebhookApp({ logger: pino({ level: 'silent' }), policy: () => POLICY, clock: new ManualClock(NOW * 1000), events });
    apps.push(a);
    const object = deployment({ replicas: 5, annotations: optedIn({ 'smartscale.io/mode': 'fast\u009b2J\u202e' }) });
    const res = await a.inject({ method: 'POST', url: '/mutate', payload: review(object) });
    await new Promise((r) => setImmediate(r));
    expect(events.events).toHaveLength(1);
    expect(events.events[0].message).toBe((res.json().response.warnings as string[]).join('; '));
    expect(events.events[0].message).not.toMatch(/[\u0080-\u009f\u202e]/);
  });
});
