import { describe, expect, it } from 'vitest';
import { applyPatch, jsonPatch, mergePatch, PatchError, strategicMergePatch } from '../../../core/sandbox/apiserver/patch.js';

describe('JSON merge patch (RFC 7386)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 'b' }, { a: { c: 1 } }, { a: { c: 1 } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected);
  });

  it('does not modify its input', () => {
    const target = { a: { b: 1 } };
    mergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { a: { b: [1, 2, 3] }, 'x/y': 1, 'm~n': 2 };
  it.each([
    [[{ op: 'add', path: '/a/b/1', value: 9 }], { ...doc, a: { b: [1, 9, 2, 3] } }],
    [[{ op: 'add', path: '/a/b/-', value: 4 }], { ...doc, a: { b: [1, 2, 3, 4] } }],
    [[{ op: 'remove', path: '/a/b/0' }], { ...doc, a: { b: [2, 3] } }],
    [[{ op: 'replace', path: '/x~1y', value: 5 }], { ...doc, 'x/y': 5 }],
    [[{ op: 'move', from: '/m~0n', path: '/z' }], { a: { b: [1, 2, 3] }, 'x/y': 1, z: 2 }],
    [[{ op: 'copy', from: '/a/b', path: '/c' }], { ...doc, c: [1, 2, 3] }],
    [[{ op: 'test', path: '/x~1y', value: 1 }], doc],
  ])('%j', (ops, expected) => {
    expect(jsonPatch(doc, ops)).toEqual(expected);
  });

  it.each([
    [{ op: 'remove', path: '/nope' }, 422],
    [{ op: 'replace', path: '/a/b/7', value: 1 }, 422],
    [{ op: 'test', path: '/x~1y', value: 2 }, 422],
    [{ op: 'frobnicate', path: '/a' }, 400],
    [{ path: '/a' }, 400],
  ])('%j fails with %i', (op, code) => {
    try {
      jsonPatch(doc, [op]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PatchError);
      expect((e as PatchError).code).toBe(code);
    }
  });
});

describe('strategic merge patch', () => {
  const live = {
    metadata: { finalizers: ['a'], labels: { x: '1' } },
    spec: {
      containers: [
        { name: 'main', image: 'i:1', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }] },
        { name: 'side', image: 's:1' },
      ],
      tolerations: [{ key: 'k', operator: 'Exists' }],
    },
  };

  it('merges lists by merge key and keeps unnamed items', () => {
    const out = strategicMergePatch(live, { spec: { containers: [{ name: 'main', env: [{ name: 'B', value: '2' }] }] } });
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['main', 'side']);
    expect(out.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    expect(out.spec.containers[0].image).toBe('i:1');
  });

  it('replaces atomic lists, merges finalizers as a set, honours $patch and $deleteFromPrimitiveList', () => {
    const out = strategicMergePatch(live, {
      metadata: { finalizers: ['b', 'a'], '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: { tolerations: [{ key: 'other', operator: 'Exists' }], containers: [{ name: 'side', $patch: 'delete' }] },
    });
    expect(out.metadata.finalizers).toEqual(['b']);
    expect(out.spec.tolerations).toEqual([{ key: 'other', operator: 'Exists' }]);
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['main']);
  });

  it('orders by $setElementOrder and replaces maps under $patch: replace; $retainKeys drops the rest', () => {
    const out = strategicMergePatch(live, {
      metadata: { labels: { $patch: 'replace', y: '2' } },
      spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'main' }], containers: [{ name: 'main', image: 'i:2' }] },
    });
    expect(out.metadata.labels).toEqual({ y: '2' });
    expect(out.spec.containers.map((c: any) => `${c.name}:${c.image}`)).toEqual(['side:s:1', 'main:i:2']);
    const retained = strategicMergePatch({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } }, { strategy: { $retainKeys: ['type'], type: 'Recreate' } });
    expect(retained).toEqual({ strategy: { type: 'Recreate' } });
  });

  it('server-side apply keeps fields the configuration does not mention', () => {
    expect(applyPatch({ data: { a: '1' }, metadata: { name: 'x' } }, { data: { b: '2' } })).toEqual({ data: { a: '1', b: '2' }, metadata: { name: 'x' } });
  });
});
