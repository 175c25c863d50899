/** The webhook's manifests say what the issue and docs/webhook.md promise. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { serviceDnsNames } from '../../core/tls/index.js';
import { readWebhookConfig } from '../../webhook/config.js';
import { projectRoot } from './builders.js';

const root = join(projectRoot(), 'manifests');
type Doc = Record<string, any>;
const load = (path: string): Doc[] => loadAll(readFileSync(join(root, path), 'utf8')) as Doc[];

describe('MutatingWebhookConfiguration', () => {
  const [config] = load('webhook/mutatingwebhookconfiguration.yaml');
  const [hook] = config.webhooks;

  it('is a v1 webhook that cannot break the cluster', () => {
    expect(config.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(hook.admissionReviewVersions).toEqual(['v1']);
    expect(hook.failurePolicy).toBe('Ignore');
    expect(['None', 'NoneOnDryRun']).toContain(hook.sideEffects);
    expect(hook.timeoutSeconds).toBeLessThanOrEqual(5);
  });

  it('sees only Deployment writes outside the system namespaces, opted-in only', () => {
    expect(hook.rules).toEqual([{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'], operations: ['CREATE', 'UPDATE'], scope: 'Namespaced' }]);
    expect(hook.namespaceSelector.matchExpressions).toContainEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'smartscale-system'] });
    expect(hook.matchConditions).toHaveLength(1);
    expect(hook.matchConditions[0].expression).toContain("'smartscale.io/enabled' in object.metadata.annotations");
  });

  it('points at the Service the certificate names', () => {
    const [service] = load('webhook/service.yaml');
    expect(hook.clientConfig.service).toMatchObject({ name: service.metadata.name, namespace: service.metadata.namespace, path: '/mutate', port: 443 });
    const certificate = load('webhook/cert-manager/certificate.yaml').find((d) => d.kind === 'Certificate')!;
    expect(certificate.spec.dnsNames).toEqual(serviceDnsNames(service.metadata.name, service.metadata.namespace));
  });
});

describe('webhook Deployment and RBAC', () => {
  it('configures the server with settings it accepts', () => {
    const [deployment] = load('webhook/deployment.yaml');
    const env = Object.fromEntries(
      deployment.spec.template.spec.containers[0].env.map((e: Doc) => [e.name, e.value ?? (e.valueFrom ? 'smartscale-system' : undefined)]),
    );
    expect(() => readWebhookConfig(env)).not.toThrow();
    expect(readWebhookConfig(env).certSecret?.name).toBe('smartscale-webhook-tls');
  });

  it('may touch only its own Secret and webhook configuration', () => {
    const docs = load('webhook/rbac.yaml');
    const role = docs.find((d) => d.kind === 'Role')!;
    expect(role.rules.find((r: Doc) => r.verbs.includes('update')).resourceNames).toEqual(['smartscale-webhook-tls']);
    const clusterRole = docs.find((d) => d.kind === 'ClusterRole')!;
    expect(clusterRole.rules.find((r: Doc) => r.resources.includes('mutatingwebhookconfigurations')).resourceNames).toEqual(['smartscale-webhook']);
  });

  it('may read only the smartscale-config ConfigMap, which the server watches by default', () => {
    const role = load('webhook/rbac.yaml').find((d) => d.kind === 'Role')!;
    const rules = role.rules.filter((r: Doc) => r.resources.includes('configmaps'));
    expect(rules).toEqual([expect.objectContaining({ resourceNames: ['smartscale-config'], verbs: ['get', 'list', 'watch'] })]);
    // Events in any namespace (about the Deployments it admits): a ClusterRole's.
    const clusterRole = load('webhook/rbac.yaml').find((d) => d.kind === 'ClusterRole')!;
    expect(clusterRole.rules.some((r: Doc) => r.resources.includes('events') && r.verbs.includes('create'))).toBe(true);
    const [deployment] = load('webhook/deployment.yaml');
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: Doc) => [e.name, e.value ?? 'smartscale-system']));
    expect(readWebhookConfig(env).watchConfig).toBe(true);
    expect(readWebhookConfig(env).recordEvents).toBe(true);
  });
});
