import { describe, expect, it } from 'vitest';
import { HpaOwnershipIndex, type HpaLike } from '../../webhook/hpa-ownership.js';

const hpa = (name: string, target: string, kind = 'Deployment', apiVersion = 'apps/v1', namespace = 'shop'): HpaLike => ({
  metadata: { namespace, name },
  spec: { scaleTargetRef: { apiVersion, kind, name: target } },
});

describe('HpaOwnershipIndex', () => {
  it('knows which Deployments an HPA targets, per namespace', () => {
    const index = new HpaOwnershipIndex();
    index.upsert(hpa('checkout-hpa', 'checkout'));
    expect(index.hpaOwnsReplicas('shop', 'checkout')).toBe(true);
    expect(index.hpaOwnsReplicas('other', 'checkout')).toBe(false);
    expect(index.hpaOwnsReplicas('shop', 'cart')).toBe(false);
  });

  it.each([
    ['a StatefulSet target', hpa('h', 'checkout', 'StatefulSet')],
    ['a custom resource named Deployment', hpa('h', 'checkout', 'Deployment', 'example.com/v1')],
    ['no target', { metadata: { namespace: 'shop', name: 'h' } }],
  ])('ignores %s', (_label, h) => {
    const index = new HpaOwnershipIndex();
    index.upsert(h);
    expect(index.hpaOwnsReplicas('shop', 'checkout')).toBe(false);
  });

  it('follows retargeting and deletion, and counts two HPAs on one Deployment', () => {
    const index = new HpaOwnershipIndex();
    index.upsert(hpa('a', 'checkout'));
    index.upsert(hpa('b', 'checkout'));
    index.upsert(hpa('a', 'cart')); // a now targets cart
    expect(index.hpaOwnsReplicas('shop', 'checkout')).toBe(true); // b still does
    index.remove(hpa('b', 'checkout'));
    expect(index.hpaOwnsReplicas('shop', 'checkout')).toBe(false);
    expect(index.hpaOwnsReplicas('shop', 'cart')).toBe(true);
    index.remove(hpa('a', 'cart'));
    expect(index.hpaOwnsReplicas('shop', 'cart')).toBe(false);
  });
});
