/** The namespaces smartscale's webhook never sees, read from its configuration (not a second list). */
import { describe, expect, it } from 'vitest';
import type { KubeClient, KubeObject } from '../../../core/kube/client.js';
import { namespaceExclusion, shippedWebhookConfiguration, webhookExclusion } from '../../../plugin/cluster/webhook-scope.js';

const shipped = shippedWebhookConfiguration('smartscale-system');

function configuration(...selectors: Array<Array<{ key: string; operator: string; values?: string[] }> | undefined>): KubeObject {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'smartscale-webhook' }, webhooks: selectors.map((matchExpressions, i) => ({ name: `w${i}`, ...(matchExpressions ? { namespaceSelector: { matchExpressions } } : {}) })) } as KubeObject;
}

function clientAnswering(get: () => Promise<KubeObject | undefined>): KubeClient {
  return { get } as unknown as KubeClient;
}

describe('namespaceExclusion', () => {
  it('the shipped configuration excludes kube-system and smartscale-system, and nothing else', () => {
    expect(namespaceExclusion(shipped, 'kube-system', 'shipped')).toBe('the namespaceSelector of shipped (kubernetes.io/metadata.name NotIn [kube-system, smartscale-system])');
    expect(namespaceExclusion(shipped, 'smartscale-system', 'shipped')).toContain('NotIn');
    for (const ns of ['default', 'shop', 'kube-public']) expect(namespaceExclusion(shipped, ns, 'shipped')).toBeUndefined();
  });

  it('follows smartscale into the namespace install put it in', () => {
    const elsewhere = shippedWebhookConfiguration('autoscaling');
    expect(namespaceExclusion(elsewhere, 'autoscaling', 'shipped')).toContain('NotIn [kube-system, autoscaling]');
    expect(namespaceExclusion(elsewhere, 'smartscale-system', 'shipped')).toBeUndefined();
  });

  it.each([
    ['In another list', [[{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['prod'] }]], 'shop', true],
    ['In its list', [[{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] }]], 'shop', false],
    ['no selector', [undefined], 'kube-system', false],
    ['another label (unknown without the Namespace)', [[{ key: 'team', operator: 'NotIn', values: ['kube-system'] }]], 'kube-system', false],
    ['one webhook of two sees it', [[{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['shop'] }], undefined], 'shop', false],
  ])('%s', (_, selectors, namespace, excluded) => {
    expect(namespaceExclusion(configuration(...selectors), namespace, 'c') !== undefined).toBe(excluded);
  });
});

describe('webhookExclusion', () => {
  it('the cluster configuration wins; the shipped one answers when it cannot be read', async () => {
    const edited = configuration([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['legacy'] }]);
    expect(await webhookExclusion(clientAnswering(async () => edited), 'kube-system', 'smartscale-system')).toBeUndefined();
    expect(await webhookExclusion(clientAnswering(async () => edited), 'legacy', 'smartscale-system')).toBe('the namespaceSelector of MutatingWebhookConfiguration smartscale-webhook (kubernetes.io/metadata.name NotIn [legacy])');
    expect(await webhookExclusion(clientAnswering(async () => undefined), 'kube-system', 'smartscale-system')).toContain("smartscale's webhook configuration (manifests/webhook/mutatingwebhookconfiguration.yaml)");
    const forbidden = clientAnswering(async () => Promise.reject(Object.assign(new Error('forbidden'), { code: 403 })));
    expect(await webhookExclusion(forbidden, 'kube-system', 'smartscale-system')).toContain('NotIn [kube-system, smartscale-system]');
  });
});
