/**
 * parseNodePoolResource under hostile input: it never throws, whatever the shape, and every reason
 * it gives names the field in a sentence short enough for a condition message or an Event (a
 * 100,000-character key or schedule is quoted cut, not whole).
 */
import { describe, expect, it } from 'vitest';
import { parseNodePoolResource } from '../../../../core/model/custom-resources/node-pool.js';
import { loadManifest } from '../../../manifests/load.js';

const [example] = loadManifest('examples/nodepool.yaml');
const long = 'k'.repeat(100_000);

type Edit = (o: Record<string, any>) => void;

describe('parseNodePoolResource with hostile input', () => {
  it.each<[string, Edit, RegExp]>([
    ['a huge label key with a non-string value', (o) => (o.spec.template.metadata.labels = { [long]: 5 }), /^spec.template.metadata.labels.k{64}… must be a string$/],
    ['a huge requirement key with a bad operator', (o) => (o.spec.template.spec.requirements = [{ key: long, operator: 'Near' }]), /^spec.template.spec.requirements\[0\] k{64}…: operator must be one of In, NotIn, Exists, DoesNotExist, Gt, Lt, got "Near"$/],
    ['a huge operator', (o) => (o.spec.template.spec.requirements = [{ key: 'a', operator: long }]), /got "k{64}…"$/],
    ['no operator', (o) => (o.spec.template.spec.requirements = [{ key: 'a' }]), /operator must be one of .*, got undefined$/],
    ['a huge schedule', (o) => (o.spec.disruption.budgets = [{ nodes: '1', schedule: `${'*'.repeat(100_000)}`, duration: '1h' }]), /^spec.disruption.budgets\[0\].schedule "\*{64}…" is not a cron expression$/],
    ['a huge duration', (o) => (o.spec.disruption.consolidateAfter = `${'9'.repeat(100_000)}x`), /^spec.disruption.consolidateAfter: invalid duration "9{40}"/],
    ['a huge quantity', (o) => (o.spec.limits.cpu = '9'.repeat(100_000)), /^spec.limits.cpu: invalid quantity "9{64}…": too long$/],
  ])('%s: one short error naming the field', (_label, edit, message) => {
    const object = structuredClone(example);
    edit(object);
    const { nodePool, errors } = parseNodePoolResource(object);
    expect(nodePool).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(errors[0].length).toBeLessThan(300);
  });

  it('never throws on any value in any field (seeded)', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const odd = [null, undefined, 0, -1, 1.5, 1e308, NaN, '', ' ', long, [], [null], {}, { a: { b: {} } }, true, '__proto__', 'constructor'];
    const paths = [
      ['spec'], ['spec', 'weight'], ['spec', 'limits'], ['spec', 'limits', 'cpu'], ['spec', 'limits', 'memory'], ['spec', 'disruption'],
      ['spec', 'disruption', 'budgets'], ['spec', 'disruption', 'consolidateAfter'], ['spec', 'disruption', 'consolidationPolicy'],
      ['spec', 'template'], ['spec', 'template', 'metadata'], ['spec', 'template', 'metadata', 'labels'], ['spec', 'template', 'spec'],
      ['spec', 'template', 'spec', 'requirements'], ['spec', 'template', 'spec', 'taints'], ['spec', 'template', 'spec', 'startupTaints'],
      ['spec', 'template', 'spec', 'nodeClassRef'], ['spec', 'template', 'spec', 'expireAfter'], ['metadata'], ['metadata', 'name'],
    ];
    for (let i = 0; i < 3000; i++) {
      const object = structuredClone(example);
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const path = paths[Math.floor(random() * paths.length)];
        let parent: any = object;
        for (const key of path.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? parent[key] : undefined;
        if (parent !== null && typeof parent === 'object') parent[path.at(-1)!] = odd[Math.floor(random() * odd.length)];
      }
      const parsed = parseNodePoolResource(object);
      expect(parsed.nodePool !== undefined || parsed.errors.length > 0).toBe(true);
      for (const e of parsed.errors) expect(e.length).toBeLessThan(300);
    }
  });
});
