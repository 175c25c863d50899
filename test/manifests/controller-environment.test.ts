/**
 * The shipped controller Deployment starts: its container's environment, resolved the way the
 * kubelet resolves it (values, the downward API, ConfigMap keys), satisfies what the process
 * requires (readProcessConfig) — once the ConfigMap smartscale-cluster holds how nodes join the
 * cluster, as `kubectl smartscale install` writes it or a user fills it for `kubectl apply -k`.
 * Until then the pod cannot be created at all (CreateContainerConfigError naming the key), which
 * is visible in `kubectl get pods`, instead of a crash loop.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { CLUSTER_JOIN_CONFIGMAP, CLUSTER_JOIN_VARIABLES } from '../../core/controllers/cluster-join.js';
import { ProcessConfigError, readProcessConfig } from '../../core/controllers/process-config.js';
import { planInstall, runsEc2Controller } from '../../plugin/cluster/install-plan.js';
import { readManifests, type ManifestObject } from '../../plugin/cluster/manifests.js';
import { JOIN_ENV, TEST_CA } from '../core/controllers/cluster-join-fixtures.js';
import { loadManifest, manifestsDir, type Doc } from './load.js';

const POD_NAME = 'smartscale-controller-5d9c7-abcde';
const SETTINGS = { name: 'demo', endpoint: JOIN_ENV.SMARTSCALE_CLUSTER_ENDPOINT, caBundle: TEST_CA, serviceCidr: '10.100.0.0/16' };

class CreateContainerConfigError extends Error {}

/** The container's environment as the kubelet builds it, or the error it reports instead of starting it. */
function resolveEnv(container: Doc, pod: { name: string; namespace: string }, configMaps: readonly ManifestObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) {
      const field = { 'metadata.name': pod.name, 'metadata.namespace': pod.namespace }[e.valueFrom.fieldRef.fieldPath as string];
      if (field === undefined) throw new Error(`fieldRef ${e.valueFrom.fieldRef.fieldPath} not modelled here`);
      env[e.name] = field;
    } else if (e.valueFrom?.configMapKeyRef) {
      const { name, key, optional } = e.valueFrom.configMapKeyRef;
      const cm = configMaps.find((c) => c.metadata.name === name && c.metadata.namespace === pod.namespace);
      const value = cm?.data?.[key];
      if (value !== undefined) env[e.name] = value;
      else if (!optional) throw new CreateContainerConfigError(cm ? `couldn't find key ${key} in ConfigMap ${pod.namespace}/${name}` : `configmap "${name}" not found`);
    } else throw new Error(`env ${e.name}: a source not modelled here`);
  }
  return env;
}

/** The controller process as the Deployment starts it: its args after the `controller` command, its environment. */
function startController(objects: readonly ManifestObject[]) {
  const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'smartscale-controller')!;
  const [container] = deployment.spec.template.spec.containers;
  const [command, ...argv] = container.args as string[];
  expect(command).toBe('controller');
  const namespace = deployment.metadata.namespace!;
  const env = resolveEnv(container, { name: POD_NAME, namespace }, objects.filter((o) => o.kind === 'ConfigMap'));
  return { env, config: readProcessConfig(argv, env) };
}

const documents = readManifests(manifestsDir);
const issue = () => ({ certPem: 'c', keyPem: 'k', caCertPem: 'ca', caKeyPem: 'cak' });

describe('the controller Deployment after `kubectl smartscale install --cluster-name … --cluster-endpoint … --cluster-ca … --service-cidr …`', () => {
  it.each(['smartscale-system', 'autoscaling'])('starts on EC2 with the given cluster, in namespace %s', (namespace) => {
    const objects = planInstall(documents, { namespace, certManager: false, issue, cluster: SETTINGS }).objects.map((o) => o.object);
    const { config } = startController(objects);
    expect(config).toMatchObject({ cloud: 'aws', namespace, identity: POD_NAME, webhook: true, catalog: 'builtin' });
    expect(config.cluster).toEqual(SETTINGS);
    expect(config.interruptionQueue).toBeUndefined();
  });

  it('is an EC2 controller, so install insists on the settings', () => {
    expect(runsEc2Controller(documents)).toBe(true);
  });
});

describe('the controller Deployment after `kubectl apply -k manifests/`', () => {
  const asShipped = () => documents.map((d) => ({ ...d.object, metadata: { ...d.object.metadata, namespace: d.object.metadata.namespace ?? 'smartscale-system' } }));

  it('as shipped: the pod waits, naming the first required key of ConfigMap smartscale-cluster (no crash loop)', () => {
    expect(() => startController(asShipped())).toThrow(CreateContainerConfigError);
    expect(() => startController(asShipped())).toThrow(`couldn't find key SMARTSCALE_CLUSTER_NAME in ConfigMap smartscale-system/${CLUSTER_JOIN_CONFIGMAP}`);
  });

  it('every value process-config requires for aws comes from that ConfigMap, none is optional', () => {
    const [deployment] = loadManifest('controller/deployment.yaml');
    const env = deployment.spec.template.spec.containers[0].env as Doc[];
    expect(env.find((e) => e.name === 'SMARTSCALE_CLOUD')?.value).toBe('aws');
    for (const variable of CLUSTER_JOIN_VARIABLES) {
      expect(env.find((e) => e.name === variable)?.valueFrom?.configMapKeyRef, variable).toEqual({ name: CLUSTER_JOIN_CONFIGMAP, key: variable });
    }
    // Each left out in turn: the kubelet names exactly that key.
    for (const variable of CLUSTER_JOIN_VARIABLES) {
      const objects = asShipped().map((o) => (o.kind === 'ConfigMap' && o.metadata.name === CLUSTER_JOIN_CONFIGMAP ? { ...o, data: Object.fromEntries(Object.entries(JOIN_ENV).filter(([k]) => k !== variable)) } : o));
      expect(() => startController(objects), variable).toThrow(`couldn't find key ${variable} in`);
    }
  });

  it('filled by uncommenting the example in cluster.yaml with real values, it starts; the optional keys are read too', () => {
    // What a user does: uncomment the `# KEY: value` lines under data and put their values in.
    const text = readFileSync(join(manifestsDir, 'controller/cluster.yaml'), 'utf8');
    const filled: Record<string, string> = { ...JOIN_ENV, SMARTSCALE_INTERRUPTION_QUEUE: 'smartscale-demo', SMARTSCALE_KUBERNETES_VERSION: '1.33' };
    const uncommented = text.replace(/^ {2}# ([A-Z_]+): .*$/gm, (line, key: string) => (key in filled ? `  ${key}: ${JSON.stringify(filled[key])}` : line));
    const cm = load(uncommented) as ManifestObject;
    expect(Object.keys(cm.data ?? {}).sort()).toEqual(Object.keys(filled).sort());
    const objects = asShipped().map((o) => (o.kind === 'ConfigMap' && o.metadata.name === CLUSTER_JOIN_CONFIGMAP ? cm : o));
    const { config } = startController(objects);
    expect(config.cluster).toEqual({ ...SETTINGS, kubernetesVersion: '1.33' });
    expect(config.interruptionQueue).toBe('smartscale-demo');
  });

  it('filled with a value the controller refuses: it exits with a message naming the key and the ConfigMap', () => {
    const objects = asShipped().map((o) => (o.kind === 'ConfigMap' && o.metadata.name === CLUSTER_JOIN_CONFIGMAP ? { ...o, data: { ...JOIN_ENV, SMARTSCALE_CLUSTER_ENDPOINT: 'ABCD.eks.amazonaws.com' } } : o));
    expect(() => startController(objects)).toThrow(ProcessConfigError);
    expect(() => startController(objects)).toThrow(/SMARTSCALE_CLUSTER_ENDPOINT=.*expected an https:\/\/ URL.*ConfigMap smartscale-system\/smartscale-cluster/);
  });
});
