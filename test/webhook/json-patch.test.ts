import { describe, expect, it } from 'vitest';
import { applyJsonPatch, diffJsonPatch, escapePointerToken } from '../../webhook/admission/json-patch.js';
import { admissionResponse, sanitizeWarnings } from '../../webhook/admission/review.js';

describe('diffJsonPatch', () => {
  it.each([
    ['equal objects', { a: 1 }, { a: 1 }, []],
    ['a new member', { a: 1 }, { a: 1, b: 2 }, [{ op: 'add', path: '/b', value: 2 }]],
    ['a removed member', { a: 1, b: 2 }, { a: 1 }, [{ op: 'remove', path: '/b' }]],
    ['a changed scalar', { spec: { replicas: 3 } }, { spec: { replicas: 5 } }, [{ op: 'replace', path: '/spec/replicas', value: 5 }]],
    [
      'an annotation key with a slash and a tilde',
      { metadata: { annotations: {} } },
      { metadata: { annotations: { 'smartscale.io/a~b': 'x' } } },
      [{ op: 'add', path: '/metadata/annotations/smartscale.io~1a~0b', value: 'x' }],
    ],
    ['a whole new annotations object', { metadata: {} }, { metadata: { annotations: { k: 'v' } } }, [{ op: 'add', path: '/metadata/annotations', value: { k: 'v' } }]],
    ['an array that differs is replaced whole', { l: [1, 2] }, { l: [1, 3] }, [{ op: 'replace', path: '/l', value: [1, 3] }]],
    ['equal arrays in different objects', { l: [1, { x: 2 }] }, { l: [1, { x: 2 }] }, []],
    ['a type change', { a: { b: 1 } }, { a: 'flat' }, [{ op: 'replace', path: '/a', value: 'flat' }]],
  ])('%s', (_label, before, after, expected) => {
    const ops = diffJsonPatch(before, after);
    expect(ops).toEqual(expected);
    expect(applyJsonPatch(before, ops)).toEqual(after);
  });

  it('escapes pointer tokens per RFC 6901', () => {
    expect(escapePointerToken('a/b~c')).toBe('a~1b~0c');
  });

  it('refuses to apply a patch to a path that does not exist', () => {
    expect(() => applyJsonPatch({}, [{ op: 'replace', path: '/x', value: 1 }])).toThrow(/does not exist/);
  });
});

describe('admissionResponse', () => {
  it('omits patch and patchType when there are no operations', () => {
    expect(admissionResponse('u1')).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u1', allowed: true } });
  });

  it('base64-encodes the JSON patch', () => {
    const ops = [{ op: 'replace' as const, path: '/spec/replicas', value: 4 }];
    const { response } = admissionResponse('u2', ops);
    expect(response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(response.patch!, 'base64').toString())).toEqual(ops);
  });

  it('keeps warnings short, few and printable', () => {
    const many = Array.from({ length: 15 }, (_, i) => `w${i}\n${'x'.repeat(i === 0 ? 500 : 1)}`);
    const out = sanitizeWarnings(many);
    expect(out).toHaveLength(11);
    expect(out[0]).toHaveLength(256);
    expect(out[0]).not.toContain('\n');
    expect(out[10]).toMatch(/5 more warning/);
  });

  it.each([
    ['an 8-bit escape introducer', 'a\u009b2Jb'],
    ['a right-to-left override', 'a\u202eb'],
    ['a zero-width space', 'a\u200bb'],
    ['a line separator', 'a\u2028b'],
    ['an isolate', 'a\u2066b'],
    ['a byte order mark', 'a\ufeffb'],
  ])('blanks %s in warnings', (_label, text) => {
    const [out] = sanitizeWarnings([text]);
    expect(out).toMatch(/^a \S*b$/);
    expect(out).not.toMatch(/[\u0080-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/);
  });

  it('keeps ordinary non-ASCII text', () => {
    expect(sanitizeWarnings(['mode="optimisé" ignored: 最適化 — café'])).toEqual(['mode="optimisé" ignored: 最適化 — café']);
  });
});
