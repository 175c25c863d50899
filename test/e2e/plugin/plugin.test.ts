/**
 * `kubectl smartscale` end to end: the real kubectl (v1.32) finds the built plugin on PATH and runs
 * it against a sandbox API server on loopback. Every command, every output form, every documented
 * error (exit code and one-line message).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatForecastAnnotation } from '../../../core/model/annotations.js';
import { ExitCode } from '../../../plugin/exit-codes.js';
import { JOIN_ENV, TEST_CA } from '../../core/controllers/cluster-join-fixtures.js';
import { BIN_DIR, buildPlugin, CONFIGMAPS, configMap, deployment, DEPLOYMENTS, kubectl, namespace, NAMESPACES, NODECLAIMS, NODEPOOLS, NODES, PODS, startPluginSandbox, type PluginSandbox, type RunResult } from './support.js';

// Each kubectl run starts a Node process; on a busy 2-core machine a test with several takes seconds.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 300_000 });

let sandbox: PluginSandbox;
/** How EC2 nodes join the cluster: install refuses an EC2 controller without it. */
const JOIN = ['--cluster-name', 'demo', '--cluster-endpoint', JOIN_ENV.SMARTSCALE_CLUSTER_ENDPOINT, '--cluster-ca', TEST_CA, '--service-cidr', '10.100.0.0/16'];
const now = Math.floor(Date.now() / 1000);
const webForecast = formatForecastAnnotation({ v: 1, generatedAt: now - 30, stepSeconds: 60, point: [10, 12, 15, 20, 18, 14], upper: [12, 15, 19, 25, 22, 17], quantile: 0.9, model: 'holt-winters', recentRelMae: 0.62, observed: 9, margin: 1.25, surgeFloor: 14 });

/** `kubectl smartscale ARGS --kubeconfig sandbox`. */
function plugin(...args: string[]): Promise<RunResult> {
  return kubectl(['smartscale', ...args, '--kubeconfig', sandbox.kubeconfigPath]);
}

function expectOneLineError(result: RunResult, code: number, message: RegExp): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr.startsWith('error: ')).toBe(true);
}

/** Parses stdout as JSON after checking the run succeeded (its stderr is the failure message). */
function parsed(result: RunResult): any {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

async function annotations(ns: string, name: string): Promise<Record<string, string>> {
  return (await sandbox.client.get(DEPLOYMENTS, name, ns))!.metadata.annotations ?? {};
}

beforeAll(async () => {
  if (!process.env.SMARTSCALE_E2E_SKIP_BUILD) await buildPlugin();
  sandbox = await startPluginSandbox();
  const c = sandbox.client;
  for (const ns of ['shop', 'payments']) await c.create(NAMESPACES, namespace(ns));
  await c.create(DEPLOYMENTS, deployment('shop', 'web', { 'smartscale.io/enabled': 'true', 'smartscale.io/forecast': webForecast, 'smartscale.io/target-replicas': '3', 'smartscale.io/peak-replicas': '5' }));
  await c.create(DEPLOYMENTS, deployment('shop', 'cart', { 'smartscale.io/enabled': 'true', 'smartscale.io/mode': 'optimize' }));
  await c.create(DEPLOYMENTS, deployment('shop', 'legacy'));
  await c.create(DEPLOYMENTS, deployment('payments', 'charge', { 'smartscale.io/enabled': 'true' }));
}, 300_000);

afterAll(async () => {
  await sandbox?.close();
});

describe('plugin discovery', () => {
  it('kubectl plugin list shows kubectl-smartscale from PATH', async () => {
    const result = await kubectl(['plugin', 'list']);
    expect(result.stdout).toContain(join(BIN_DIR, 'kubectl-smartscale'));
  });

  it('kubectl smartscale --help runs the plugin and its usage says kubectl smartscale', async () => {
    const result = await kubectl(['smartscale', '--help']);
    expect(result.code).toBe(0);
    for (const command of ['status', 'mode <mode>', 'enable <deployment>', 'disable <deployment>', 'forecast <deployment>', 'graph', 'nodes', 'install']) {
      expect(result.stdout).toContain(`kubectl smartscale ${command}`);
    }
  });
});

describe('before smartscale is installed', () => {
  it('status still shows Deployments and says what it could not read', async () => {
    const result = await plugin('status', '-n', 'shop');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Cluster mode: observe (default; smartscale not installed)');
    expect(result.stdout).toMatch(/^web\s+observe\*/m);
    expect(result.stderr).toContain('warning: smartscale is not installed');
    expect(result.stderr).toContain('the NodeClaim CRD (nodeclaims.smartscale.io) is not installed');
  });

  it('mode (cluster) and graph exit notInstalled', async () => {
    expectOneLineError(await plugin('mode', 'optimize'), ExitCode.notInstalled, /smartscale is not installed in this cluster: ConfigMap smartscale-system\/smartscale-config does not exist/);
    expectOneLineError(await plugin('graph'), ExitCode.notInstalled, /not installed/);
  });
});

describe('install', () => {
  it('--dry-run prints the manifests with a generated certificate, as YAML or a JSON List', async () => {
    const yaml = await kubectl(['smartscale', 'install', '--dry-run', ...JOIN]);
    expect(yaml.code, yaml.stderr).toBe(0);
    const objects = loadAll(yaml.stdout) as any[];
    const kinds = objects.map((o) => o.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Namespace', 'CustomResourceDefinition', 'Secret', 'ConfigMap', 'Deployment', 'Service', 'MutatingWebhookConfiguration']));
    const secret = objects.find((o) => o.kind === 'Secret');
    const mwc = objects.find((o) => o.kind === 'MutatingWebhookConfiguration');
    expect(mwc.webhooks[0].clientConfig.caBundle).toBe(secret.data['ca.crt']);
    expect(Buffer.from(secret.data['tls.crt'], 'base64').toString()).toContain('BEGIN CERTIFICATE');
    const json = JSON.parse((await kubectl(['smartscale', 'install', '--dry-run', '-o', 'json', '-n', 'autoscaling', ...JOIN])).stdout);
    expect(json.kind).toBe('List');
    expect(json.items.find((o: any) => o.kind === 'Deployment').metadata.namespace).toBe('autoscaling');
    expect(json.items.find((o: any) => o.kind === 'ConfigMap' && o.metadata.name === 'smartscale-cluster').data).toEqual(JOIN_ENV);
  });

  it('refuses an EC2 controller without how its nodes join the cluster, before applying anything', async () => {
    expectOneLineError(await kubectl(['smartscale', 'install', '--dry-run']), ExitCode.usage, /give --cluster-name \(the EKS cluster name\), --cluster-endpoint .*; on EKS: aws eks describe-cluster/);
    expectOneLineError(await plugin('install'), ExitCode.usage, /the controller launches EC2 nodes, which need to know how to join this cluster/);
    expectOneLineError(await plugin('install', ...JOIN.slice(0, 6), '--service-cidr', '10.100.0.1/16'), ExitCode.usage, /--service-cidr "10.100.0.1\/16": 10.100.0.1\/16 has host bits set; the network is 10.100.0.0\/16/);
    expect(await sandbox.client.get(NAMESPACES, 'smartscale-system')).toBeUndefined();
  });

  it('--cert-manager on a cluster without cert-manager fails before applying anything', async () => {
    const result = await plugin('install', '--cert-manager', ...JOIN);
    expectOneLineError(result, ExitCode.internal, /does not serve cert-manager.io\/v1 Issuer, cert-manager.io\/v1 Certificate; nothing was applied \(is cert-manager installed\?\)/);
    expect(await sandbox.client.get(NAMESPACES, 'smartscale-system')).toBeUndefined();
  });

  it('applies everything; a re-install keeps the CA, the chosen mode and the cluster join settings', async () => {
    const first = await plugin('install', ...JOIN);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/nodeclaims.smartscale.io serverside-applied');
    expect(first.stdout).toContain('certificate: generated (Secret smartscale-system/smartscale-webhook-tls)');
    expect(first.stdout).toContain(`nodes join: demo at ${JOIN_ENV.SMARTSCALE_CLUSTER_ENDPOINT} (ConfigMap smartscale-system/smartscale-cluster)`);
    expect((await sandbox.client.get(CONFIGMAPS, 'smartscale-cluster', 'smartscale-system'))!.data).toEqual(JOIN_ENV);
    const secret = await sandbox.client.get({ group: '', version: 'v1', plural: 'secrets', namespaced: true }, 'smartscale-webhook-tls', 'smartscale-system');
    const mwc = await sandbox.client.get({ group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false }, 'smartscale-webhook');
    expect(mwc!.webhooks[0].clientConfig.caBundle).toBe(secret!.data['ca.crt']);
    expect((await sandbox.client.get(CONFIGMAPS, 'smartscale-config', 'smartscale-system'))!.data!.mode).toBe('observe');

    // The user switches mode and a later version's manifests might add keys: a re-install adds, never resets.
    await sandbox.client.patch(CONFIGMAPS, 'smartscale-config', 'smartscale-system', { data: { mode: 'optimize' } }, 'merge');
    const someKey = Object.keys((await sandbox.client.get(CONFIGMAPS, 'smartscale-config', 'smartscale-system'))!.data!).find((k) => k !== 'mode');
    if (someKey) await sandbox.client.patch(CONFIGMAPS, 'smartscale-config', 'smartscale-system', { data: { [someKey]: null } }, 'merge');
    const again = await plugin('install', '-o', 'json');
    expect(again.code, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout);
    expect(summary.certificate).toBe('reused');
    // Not given again: the settings in the cluster are kept.
    expect(summary.cluster).toEqual({ name: 'demo', endpoint: JOIN_ENV.SMARTSCALE_CLUSTER_ENDPOINT, serviceCidr: '10.100.0.0/16', source: 'kept' });
    expect((await sandbox.client.get(CONFIGMAPS, 'smartscale-cluster', 'smartscale-system'))!.data).toEqual(JOIN_ENV);
    expect(summary.objects).toContainEqual(someKey ? { object: 'configmap/smartscale-config', action: 'completed', addedKeys: [someKey] } : { object: 'configmap/smartscale-config', action: 'kept' });
    expect(summary.objects).toContainEqual({ object: 'secret/smartscale-webhook-tls', action: 'kept' });
    const mwc2 = await sandbox.client.get({ group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false }, 'smartscale-webhook');
    expect(mwc2!.webhooks[0].clientConfig.caBundle).toBe(secret!.data['ca.crt']);
    expect((await sandbox.client.get(CONFIGMAPS, 'smartscale-config', 'smartscale-system'))!.data!.mode).toBe('optimize');
    await sandbox.client.patch(CONFIGMAPS, 'smartscale-config', 'smartscale-system', { data: { mode: 'observe' } }, 'merge');
  });
});

describe('status', () => {
  beforeAll(async () => {
    const claim = (name: string, pool: string, type: string, price: string, node?: string) => ({
      apiVersion: 'smartscale.io/v1',
      kind: 'NodeClaim',
      metadata: { name },
      spec: { nodePool: pool, instanceTypeOptions: [type] },
      status: { instanceType: type, capacityType: 'on-demand', zone: 'us-east-1a', pricePerHour: price, nodeName: node, conditions: node ? [{ type: 'Initialized', status: 'True' }] : [] },
    });
    for (const c of [claim('default-x1', 'default', 'm6i.large', '0.096', 'node-a'), claim('default-x2', 'default', 'c6i.xlarge', '0.17')]) {
      // status is a subresource: the main endpoint drops it on create.
      const created = await sandbox.client.create(NODECLAIMS, c);
      await sandbox.client.replace(NODECLAIMS, { ...created, status: c.status }, 'status');
    }
  });

  it('table: the cluster mode, opted-in Deployments of the namespace, nodes by pool', async () => {
    const result = await plugin('status', '-n', 'shop');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('Cluster mode: observe (smartscale-config)   Context: smartscale-sandbox');
    expect(result.stdout).toMatch(/^NAME\s+MODE\s+CURRENT\s+READY\s+TARGET\s+PEAK\s+NEXT-PEAK\s+IN\s+MODEL\s+REL-MAE\s+CAPACITY\s+MARGIN\s+SURGE-FLOOR$/m);
    // The sizing margin and surge floor come from the forecast annotation; cart has none.
    expect(result.stdout).toMatch(/^web\s+observe\*\s+2\s+0\s+3\s+5\s+20rps\s+\S+\s+holt-winters\s+0\.62\s+-\s+1\.25x\s+14rps$/m);
    expect(result.stdout).toMatch(/^cart\s+optimize\s+2\s.*\s-\s+-\s+-$/m);
    expect(result.stdout).not.toContain('legacy');
    expect(result.stdout).not.toContain('charge');
    expect(result.stdout).toMatch(/^default\s+2\s+1\s+c6i.xlarge\(1\),m6i.large\(1\)\s+\$0\.266$/m);
  });

  it('-A adds the NAMESPACE column and every namespace; -o wide adds columns', async () => {
    const all = await plugin('status', '-A');
    expect(all.stdout).toMatch(/^NAMESPACE\s+NAME\s+MODE/m);
    expect(all.stdout).toMatch(/^payments\s+charge\s+observe\*/m);
    const wide = await plugin('status', '-A', '-o', 'wide');
    expect(wide.stdout).toMatch(/CAPACITY\s+MARGIN\s+SURGE-FLOOR\s+MIN\s+MAX\s+BAND\s+FORECAST-AGE\s+RPS-PER-POD\s+WARNINGS$/m);
    expect(wide.stdout).toMatch(/COST\/HOUR\s+PREDICTED$/m);
  });

  it('-o json and -o yaml carry the full data', async () => {
    const json = parsed(await plugin('status', '-A', '-o', 'json'));
    expect(json.cluster).toEqual({ mode: 'observe', modeSource: 'configmap', installed: true });
    expect(json.deployments.map((d: any) => `${d.namespace}/${d.name}`)).toEqual(['payments/charge', 'shop/cart', 'shop/web']);
    expect(json.deployments[2].forecast.nextPeak.rps).toBe(20);
    // Keys only added: every key status -o json had before is still there, margin and surgeFloorRps beside them.
    expect(Object.keys(json.deployments[2].forecast)).toEqual(['model', 'recentRelMae', 'generatedAt', 'ageSeconds', 'stale', 'observedRps', 'nextPeak', 'horizonSeconds', 'margin', 'surgeFloorRps']);
    expect(json.deployments[2].forecast).toMatchObject({ margin: 1.25, surgeFloorRps: 14 });
    expect(Object.keys(json.deployments[2])).toEqual(['namespace', 'name', 'enabled', 'mode', 'modeSource', 'replicas', 'bounds', 'warnings', 'forecast']);
    expect(json.deployments[1].forecast).toBeUndefined();
    expect(json.nodeClaims).toHaveLength(2);
    const yaml = load((await plugin('status', 'web', '-n', 'shop', '-o', 'yaml')).stdout) as any;
    expect(yaml.deployments).toHaveLength(1);
    expect(yaml.deployments[0].replicas).toMatchObject({ target: 3, peak: 5 });
    expect(yaml.deployments[0].forecast).toMatchObject({ margin: 1.25, surgeFloorRps: 14 });
  });

  it('DEPLOYMENT: not found and not opted in are distinct errors', async () => {
    expectOneLineError(await plugin('status', 'nope', '-n', 'shop'), ExitCode.notFound, /Deployment "nope" not found in namespace "shop"/);
    expectOneLineError(await plugin('status', 'legacy', '-n', 'shop'), ExitCode.notOptedIn, /shop\/legacy is not opted in/);
  });

  it('-o with an unknown form is a usage error', async () => {
    expectOneLineError(await plugin('status', '-o', 'xml'), ExitCode.usage, /-o xml/);
  });
});

describe('mode', () => {
  it('switches the cluster mode and says what happens next', async () => {
    const result = await plugin('mode', 'optimize');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('cluster: mode observe → optimize');
    expect(result.stdout).toContain('Next: opted-in Deployments without their own smartscale.io/mode get spec.replicas');
    expect((await sandbox.client.get(CONFIGMAPS, 'smartscale-config', 'smartscale-system'))!.data!.mode).toBe('optimize');
    expect((await plugin('mode', 'optimize')).stdout).toContain('cluster: mode already optimize (unchanged)');
    expect((await plugin('mode', 'observe')).code).toBe(0);
  });

  it("switches one Deployment's annotation", async () => {
    const result = await plugin('mode', 'optimize', 'web', '-n', 'shop');
    expect(result.stdout).toContain('deployment/shop/web: mode (cluster) → optimize');
    expect((await annotations('shop', 'web'))['smartscale.io/mode']).toBe('optimize');
  });

  it('--all sets every opted-in Deployment in scope, -o json lists the changes', async () => {
    const result = await plugin('mode', 'observe', '--all', '-n', 'shop', '-o', 'json');
    const out = JSON.parse(result.stdout);
    expect(out.changes.map((c: any) => [c.target, c.changed])).toEqual([
      ['deployment/shop/web', true],
      ['deployment/shop/cart', true],
    ]);
    expect((await annotations('shop', 'legacy'))['smartscale.io/mode']).toBeUndefined();
    expect((await annotations('payments', 'charge'))['smartscale.io/mode']).toBeUndefined();
  });

  it('errors: bad mode, not opted in, not found, both DEPLOYMENT and --all', async () => {
    expectOneLineError(await plugin('mode', 'fast'), ExitCode.usage, /mode "fast": expected observe or optimize/);
    expectOneLineError(await plugin('mode', 'observe', 'legacy', '-n', 'shop'), ExitCode.notOptedIn, /not opted in/);
    expectOneLineError(await plugin('mode', 'observe', 'ghost', '-n', 'shop'), ExitCode.notFound, /not found/);
    expectOneLineError(await plugin('mode', 'observe', 'web', '--all'), ExitCode.usage, /not both/);
  });
});

describe('enable and disable', () => {
  it('enable writes the opt-in and validated settings', async () => {
    const result = await plugin('enable', 'legacy', '-n', 'shop', '--min', '2', '--max', '8', '--latency-slo-ms', '250');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('deployment/shop/legacy: enabled');
    expect(await annotations('shop', 'legacy')).toMatchObject({ 'smartscale.io/enabled': 'true', 'smartscale.io/min-replicas': '2', 'smartscale.io/max-replicas': '8', 'smartscale.io/latency-slo-ms': '250' });
    expect((await plugin('enable', 'legacy', '-n', 'shop', '--min', '2')).stdout).toContain('already enabled with these settings (unchanged)');
  });

  it('enable refuses what the webhook would ignore, and unknown Deployments', async () => {
    expectOneLineError(await plugin('enable', 'legacy', '-n', 'shop', '--min', '9'), ExitCode.usage, /--min: smartscale.io\/min-replicas=9 is above smartscale.io\/max-replicas=8/);
    expectOneLineError(await plugin('enable', 'legacy', '-n', 'shop', '--target-rps-per-pod', 'abc'), ExitCode.usage, /--target-rps-per-pod: expected a number/);
    expectOneLineError(await plugin('enable', 'ghost', '-n', 'shop'), ExitCode.notFound, /Deployment "ghost" not found/);
  });

  it('disable removes the opt-in and what smartscale wrote, keeps settings; -o yaml; idempotent', async () => {
    await sandbox.client.patch(DEPLOYMENTS, 'legacy', 'shop', { metadata: { annotations: { 'smartscale.io/target-replicas': '4' } } }, 'merge');
    const result = await plugin('disable', 'legacy', '-n', 'shop', '-o', 'yaml');
    expect(result.code, result.stderr).toBe(0);
    expect(load(result.stdout)).toEqual({ deployment: 'deployment/shop/legacy', changed: { 'smartscale.io/enabled': null, 'smartscale.io/target-replicas': null } });
    const after = await annotations('shop', 'legacy');
    expect(after['smartscale.io/enabled']).toBeUndefined();
    expect(after['smartscale.io/min-replicas']).toBe('2');
    expect((await plugin('disable', 'legacy', '-n', 'shop')).stdout).toContain('not enabled (unchanged)');
    await plugin('disable', 'legacy', '-n', 'shop', '--purge');
    expect(await annotations('shop', 'legacy')).toEqual({});
  });
});

describe('forecast', () => {
  it('draws the forecast with its band', async () => {
    const result = await plugin('forecast', 'web', '-n', 'shop', '--width', '40');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Deployment shop/web: model holt-winters, step 60s, horizon 6m');
    expect(result.stdout).toMatch(/next peak 20 rps \(band 25 at q0.9\)/);
    expect(result.stdout).toMatch(/^\s*25 \|.*:/m);
    expect(result.stdout).toContain('o observed   * expected   : band');
  });

  it('-o json gives the forecast itself', async () => {
    const out = parsed(await plugin('forecast', 'web', '-n', 'shop', '-o', 'json'));
    expect(out.forecast.point).toEqual([10, 12, 15, 20, 18, 14]);
    expect(out.nextPeak.rps).toBe(20);
  });

  it('no forecast yet, not opted in', async () => {
    expectOneLineError(await plugin('forecast', 'cart', '-n', 'shop'), ExitCode.notFound, /no forecast for Deployment shop\/cart: it has no smartscale.io\/forecast annotation yet/);
    expectOneLineError(await plugin('forecast', 'legacy', '-n', 'shop'), ExitCode.notOptedIn, /not opted in/);
  });
});

describe('graph', () => {
  it('says when nothing is published yet', async () => {
    const result = await plugin('graph', '-A');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No service graph edges.\n');
    expect(result.stderr).toContain('no service graph published yet');
  });

  it('shows the published graph, filtered by namespace, in every form', async () => {
    const doc = { v: 1, generatedAt: now, stepSeconds: 60, edges: [{ caller: 'shop/web', callee: 'shop/cart', ratio: 1.8, lagSteps: 0, fit: 0.97, samples: 500 }, { caller: 'shop/cart', callee: 'payments/charge', ratio: 0.12, lagSteps: 1 }], explained: [{ callee: 'shop/cart', share: 0.9 }] };
    await sandbox.client.create(CONFIGMAPS, configMap('smartscale-system', 'smartscale-graph', { 'graph.json': JSON.stringify(doc) }));
    const table = await plugin('graph', '-A');
    expect(table.stdout).toMatch(/^CALLER\s+CALLEE\s+RATIO\s+LAG-STEPS\s+FIT$/m);
    expect(table.stdout).toMatch(/^shop\/web\s+shop\/cart\s+1\.8\s+0\s+0\.97$/m);
    const wide = await plugin('graph', '-A', '-o', 'wide');
    expect(wide.stdout).toMatch(/^shop\/web\s+shop\/cart\s+1\.8\s+0\s+0\.97\s+90%\s+500$/m);
    const payments = parsed(await plugin('graph', '-n', 'payments', '-o', 'json'));
    expect(payments.edges.map((e: any) => e.callee)).toEqual(['payments/charge']);
    expect((load((await plugin('graph', '-A', '-o', 'yaml')).stdout) as any).edges).toHaveLength(2);
  });
});

describe('nodes', () => {
  beforeAll(async () => {
    await sandbox.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'node.kubernetes.io/instance-type': 'm6i.large' } }, status: { allocatable: { cpu: '2', memory: '8Gi', pods: '29' }, conditions: [{ type: 'Ready', status: 'True' }] } });
    await sandbox.client.create(PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'shop' }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m', memory: '2Gi' } } }] } });
  });

  it('without NodePools nothing would be consolidated', async () => {
    const result = await plugin('nodes');
    expect(result.stdout).toContain('Next consolidation: none');
  });

  it('names what would be consolidated next and why (the controller planner on a snapshot)', async () => {
    await sandbox.client.create(NODEPOOLS, {
      apiVersion: 'smartscale.io/v1',
      kind: 'NodePool',
      metadata: { name: 'default' },
      spec: { template: { spec: { nodeClassRef: { group: 'smartscale.io', kind: 'EC2NodeClass', name: 'default' }, requirements: [] } }, disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '1m', budgets: [{ nodes: '1' }] } },
    });
    await sandbox.client.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-empty', labels: { 'smartscale.io/nodepool': 'default', 'node.kubernetes.io/instance-type': 'm6i.large' } }, spec: { providerID: 'sim:///node-empty' }, status: { allocatable: { cpu: '2', memory: '8Gi', pods: '29' }, conditions: [{ type: 'Ready', status: 'True' }] } });
    const created = await sandbox.client.create(NODECLAIMS, { apiVersion: 'smartscale.io/v1', kind: 'NodeClaim', metadata: { name: 'default-x3' }, spec: { nodePool: 'default', instanceTypeOptions: ['m6i.large'] } });
    await sandbox.client.replace(NODECLAIMS, { ...created, status: { providerID: 'sim:///node-empty', nodeName: 'node-empty', instanceType: 'm6i.large', pricePerHour: '0.096', conditions: [{ type: 'Initialized', status: 'True' }] } }, 'status');
    const result = await plugin('nodes');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Next consolidation \(once consolidate-after has passed\): Emptiness of node-empty, saving \$0\.096\/hour: .*empty/);
    // With the claim's record of its last pod event (20 s ago), the preview says when.
    const fresh = (await sandbox.client.get(NODECLAIMS, 'default-x3'))!;
    await sandbox.client.replace(NODECLAIMS, { ...fresh, status: { ...fresh.status, lastPodEventTime: new Date(Date.now() - 20_000).toISOString() } }, 'status');
    const timed = await plugin('nodes');
    expect(timed.code, timed.stderr).toBe(0);
    expect(timed.stdout).toMatch(/Next consolidation \(once consolidate-after has passed, in (\d|[1-3]\d|40)s\): Emptiness of node-empty/);
  });

  it('table: claims and nodes with utilization', async () => {
    const result = await plugin('nodes');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^NODE\s+NODECLAIM\s+NODEPOOL\s+TYPE\s+STATE\s+CPU\s+MEMORY\s+PODS\s+PRICE\/HOUR\s+AGE$/m);
    expect(result.stdout).toMatch(/^node-a\s+default-x1\s+default\s+m6i\.large\s+Ready\s+25%\s+25%\s+1\/29\s+\$0\.096/m);
    expect(result.stdout).toMatch(/^-\s+default-x2\s+default\s+c6i\.xlarge\s+Launching/m);
  });

  it('-o wide and -o json', async () => {
    expect((await plugin('nodes', '-o', 'wide')).stdout).toMatch(/^node-a\s.*500m\/2\s+2Gi\/8Gi/m);
    const json = parsed(await plugin('nodes', '-o', 'json'));
    expect(json.consolidation).toMatchObject({ available: true, next: { method: 'Emptiness', nodes: ['node-empty'] } });
    expect(json.nodes.find((n: any) => n.node === 'node-a').cpuUtilization).toBe(0.25);
    expect((load((await plugin('nodes', '-o', 'yaml')).stdout) as any).nodes).toHaveLength(3);
  });
});

describe('errors and kubeconfig handling', () => {
  function writeConfig(name: string, server: string, extra: Record<string, unknown> = {}): string {
    const base = load(readFileSync(sandbox.kubeconfigPath, 'utf8')) as any;
    base.clusters[0].cluster.server = server;
    // Distinct cluster and user names: with shared names the first file's definitions would win.
    base.clusters[0].name = name;
    base.users[0].name = name;
    base.contexts[0] = { name, context: { cluster: name, user: name, namespace: 'default' } };
    base['current-context'] = name;
    Object.assign(base, extra);
    const path = join(sandbox.dir, `${name}.yaml`);
    writeFileSync(path, JSON.stringify(base));
    return path;
  }

  it('no cluster reachable', async () => {
    const dead = writeConfig('dead', 'https://127.0.0.1:1');
    const result = await kubectl(['smartscale', 'status', '--kubeconfig', dead]);
    expectOneLineError(result, ExitCode.clusterUnreachable, /cannot reach the API server: .*ECONNREFUSED/);
  });

  it('a server whose certificate the CA does not vouch for', async () => {
    const base = load(readFileSync(sandbox.kubeconfigPath, 'utf8')) as any;
    // Without the sandbox CA, the system trust store cannot verify the sandbox's certificate.
    delete base.clusters[0].cluster['certificate-authority-data'];
    const path = join(sandbox.dir, 'no-ca.yaml');
    writeFileSync(path, JSON.stringify(base));
    expectOneLineError(await kubectl(['smartscale', 'status', '--kubeconfig', path]), ExitCode.clusterUnreachable, /TLS handshake with the API server failed/);
  });

  it('unknown context, missing kubeconfig', async () => {
    expectOneLineError(await plugin('status', '--context', 'nope'), ExitCode.clusterUnreachable, /context "nope" does not exist/);
    expectOneLineError(await kubectl(['smartscale', 'status', '--kubeconfig', '/nonexistent/config']), ExitCode.clusterUnreachable, /kubeconfig \/nonexistent\/config does not exist/);
  });

  it('RBAC refusal of a needed read is forbidden; of an optional read, a warning', async () => {
    sandbox.forbid = (method, path) => method === 'GET' && path.endsWith('/deployments');
    try {
      expectOneLineError(await plugin('status', '-n', 'shop'), ExitCode.forbidden, /cannot list Deployments in namespace shop: GET .* is forbidden/);
    } finally {
      sandbox.forbid = () => false;
    }
    sandbox.forbid = (_method, path) => path.includes('/nodeclaims');
    try {
      const result = await plugin('status', '-n', 'shop');
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/warning: cannot list NodeClaims .*forbidden.*: nodes launched by smartscale are not shown/);
    } finally {
      sandbox.forbid = () => false;
    }
    sandbox.forbid = (method, path) => method === 'PATCH' && path.includes('/configmaps/');
    try {
      expectOneLineError(await plugin('mode', 'optimize'), ExitCode.forbidden, /cannot update ConfigMap smartscale-system\/smartscale-config/);
    } finally {
      sandbox.forbid = () => false;
    }
  });

  it('rejected credentials', async () => {
    const base = load(readFileSync(sandbox.kubeconfigPath, 'utf8')) as any;
    base.users[0].user.token = 'wrong';
    const path = join(sandbox.dir, 'bad-token.yaml');
    writeFileSync(path, JSON.stringify(base));
    expectOneLineError(await kubectl(['smartscale', 'status', '--kubeconfig', path]), ExitCode.forbidden, /401 Unauthorized/);
  });

  it('merges the KUBECONFIG list like kubectl: the first current-context wins', async () => {
    const good = writeConfig('first', sandbox.url);
    const dead = writeConfig('second', 'https://127.0.0.1:1');
    const ok = await kubectl(['smartscale', 'status', '-n', 'shop'], { KUBECONFIG: `${good}:${dead}` });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout, JSON.stringify(ok)).not.toBe('');
    expect(ok.stdout).toContain('Context: first');
    expect((await kubectl(['smartscale', 'status', '-n', 'shop'], { KUBECONFIG: `${dead}:${good}` })).code).toBe(ExitCode.clusterUnreachable);
    const chosen = await kubectl(['smartscale', 'status', '-n', 'shop', '--context', 'first'], { KUBECONFIG: `${dead}:${good}` });
    expect(chosen.stdout).toContain('Context: first');
    // Same-named clusters: the first file's definition wins, as in kubectl.
    const shadow = join(sandbox.dir, 'shadow.yaml');
    const base = load(readFileSync(sandbox.kubeconfigPath, 'utf8')) as any;
    base.clusters[0].cluster.server = 'https://127.0.0.1:1';
    writeFileSync(shadow, JSON.stringify(base));
    expect((await kubectl(['smartscale', 'status'], { KUBECONFIG: `${shadow}:${sandbox.kubeconfigPath}` })).code).toBe(ExitCode.clusterUnreachable);
    expect((await kubectl(['smartscale', 'status'], { KUBECONFIG: `${sandbox.kubeconfigPath}:${shadow}` })).code).toBe(0);
  });

  it('unknown command and missing argument are usage errors', async () => {
    expect((await kubectl(['smartscale', 'frobnicate'])).code).toBe(ExitCode.usage);
    expect((await kubectl(['smartscale', 'enable'])).code).toBe(ExitCode.usage);
  });
});

describe('smartscale in another namespace', () => {
  it('install -n puts it there; SMARTSCALE_NAMESPACE points the other commands at it', async () => {
    const install = await plugin('install', '-n', 'autoscaling', ...JOIN);
    expect(install.code, install.stderr).toBe(0);
    expect((await sandbox.client.get(CONFIGMAPS, 'smartscale-config', 'autoscaling'))!.data!.mode).toBe('observe');
    const env = { SMARTSCALE_NAMESPACE: 'autoscaling' };
    const mode = await kubectl(['smartscale', 'mode', 'optimize', '--kubeconfig', sandbox.kubeconfigPath], env);
    expect(mode.code, mode.stderr).toBe(0);
    expect((await sandbox.client.get(CONFIGMAPS, 'smartscale-config', 'autoscaling'))!.data!.mode).toBe('optimize');
    const status = await kubectl(['smartscale', 'status', '-n', 'shop', '--kubeconfig', sandbox.kubeconfigPath], env);
    expect(status.stdout).toContain('Cluster mode: optimize (smartscale-config)');
    expectOneLineError(await kubectl(['smartscale', 'graph', '--kubeconfig', sandbox.kubeconfigPath], { SMARTSCALE_NAMESPACE: 'nowhere' }), ExitCode.notInstalled, /ConfigMap nowhere\/smartscale-config does not exist/);
    expectOneLineError(await kubectl(['smartscale', 'status', '--kubeconfig', sandbox.kubeconfigPath], { SMARTSCALE_NAMESPACE: 'Bad_NS' }), ExitCode.usage, /SMARTSCALE_NAMESPACE="Bad_NS" is not a namespace name/);
  });
});
