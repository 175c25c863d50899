/**
 * End to end with the real kubectl binary against the sandbox: the project's manifests, a
 * Deployment through its whole life, watch, conflicts, finalizers, scale, eviction against a PDB,
 * every patch type, server-side apply, custom resources. Skipped when kubectl is not installed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../core/sandbox/support.js';
import { findKubectl, startE2eCluster, type E2eCluster } from './support.js';

const kubectlPath = findKubectl();
const FIXTURES = join(import.meta.dirname, 'fixtures');
const MANIFESTS = join(import.meta.dirname, '..', '..', 'manifests');

let cluster: E2eCluster;

async function ok(args: string[], input?: string): Promise<string> {
  const r = await cluster.kubectl(args, { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

async function json(args: string[]): Promise<any> {
  return JSON.parse(await ok([...args, '-o', 'json']));
}

/** The cell under `column` in the row of `name` of a kubectl table (columns are left-aligned under their headers). */
function cellOf(table: string, name: string, column: string): string {
  const [header, ...rows] = table.split('\n');
  const headers = [...header.matchAll(/\S+/g)];
  const at = headers.findIndex((h) => h[0] === column);
  const row = rows.find((l) => l.startsWith(`${name} `));
  if (at < 0 || !row) throw new Error(`no ${column} for ${name} in:\n${table}`);
  return row.slice(headers[at].index, headers[at + 1]?.index).trim();
}

describe.skipIf(!kubectlPath)('real kubectl against the sandbox', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    cluster = await startE2eCluster(kubectlPath!);
    await ok(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'e2e-1', labels: { 'kubernetes.io/arch': 'amd64' } }, status: { capacity: { cpu: '4', memory: '8Gi', pods: '110' } } }));
  }, 30_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('[E1] discovery and version: api-resources, api-versions, version', async () => {
    const resources = await ok(['api-resources', '-o', 'name']);
    for (const r of ['pods', 'deployments.apps', 'poddisruptionbudgets.policy', 'leases.coordination.k8s.io', 'customresourcedefinitions.apiextensions.k8s.io', 'mutatingwebhookconfigurations.admissionregistration.k8s.io']) {
      expect(resources.split('\n')).toContain(r);
    }
    expect(await ok(['version', '-o', 'json'])).toContain('v1.32.0-smartscale-sandbox');
    expect((await ok(['auth', 'can-i', 'delete', 'deployments'])).trim()).toBe('yes');
  });

  it('[E2] applies the project manifests (CRDs, then everything with kustomize) and is idempotent', async () => {
    const crds = await ok(['apply', '-f', join(MANIFESTS, 'crds')]);
    expect(crds).toMatch(/customresourcedefinition.apiextensions.k8s.io\/nodepools.smartscale.io (created|configured|unchanged)/);
    const all = await ok(['apply', '-k', MANIFESTS]);
    expect(all).toMatch(/mutatingwebhookconfiguration.admissionregistration.k8s.io\/smartscale-webhook created/);
    expect(all).toMatch(/namespace\/smartscale-system created/);
    await ok(['apply', '-f', join(MANIFESTS, 'examples')]);
    const again = await ok(['apply', '-k', MANIFESTS]);
    expect(again).toMatch(/smartscale-webhook unchanged/);
    const pools = await ok(['get', 'nodepools']);
    expect(pools).toMatch(/default/);
  });

  it('[E3] creates a Deployment whose pods become Running; get -o json|yaml|wide and describe work', async () => {
    await ok(['apply', '-f', join(FIXTURES, 'app.yaml')]);
    await eventually(async () => (await json(['get', 'deploy', 'web'])).status?.readyReplicas === 3, 10_000, 'web ready');
    const wide = await ok(['get', 'pods', '-l', 'app=web', '-o', 'wide']);
    expect(wide).toMatch(/NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(wide.match(/Running/g)).toHaveLength(3);
    expect(wide).toContain('e2e-1');
    const yaml = await ok(['get', 'deploy', 'web', '-o', 'yaml']);
    expect(yaml).toMatch(/kind: Deployment/);
    const described = await ok(['describe', 'deploy', 'web']);
    expect(described).toMatch(/Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available/);
    const fieldSel = await ok(['get', 'pods', '--field-selector', 'status.phase=Running,spec.nodeName=e2e-1', '-o', 'name']);
    expect(fieldSel.trim().split('\n')).toHaveLength(3);
  });

  it('[E4] --watch prints changes as they happen', async () => {
    const child = cluster.spawnKubectl(['get', 'deploy', 'web', '--watch', '--output-watch-events']);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    await eventually(() => out.includes('ADDED'), 10_000, 'initial ADDED');
    await ok(['scale', 'deploy', 'web', '--replicas=4']);
    await eventually(() => /MODIFIED\s+web\s+\d+\/4/.test(out), 10_000, 'MODIFIED with 4 replicas');
    expect(out).toMatch(/EVENT\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    child.kill('SIGKILL');
  });

  it('[E5] kubectl scale changes replicas and the pods follow', async () => {
    await ok(['scale', 'deploy', 'web', '--replicas=2']);
    await eventually(async () => (await json(['get', 'pods', '-l', 'app=web'])).items.length === 2, 10_000, 'two pods');
    await ok(['scale', 'deploy', 'web', '--replicas=3']);
    await eventually(async () => (await json(['get', 'deploy', 'web'])).status?.readyReplicas === 3, 10_000, 'three ready');
  });

  it('[E6] replace with a stale object fails with Conflict', async () => {
    const stale = await ok(['get', 'deploy', 'web', '-o', 'json']);
    await ok(['annotate', 'deploy', 'web', 'e2e/touched=yes']);
    const r = await cluster.kubectl(['replace', '-f', '-'], { input: stale });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Conflict.*the object has been modified/);
  });

  it('[E7] patch (merge, json, strategic), label, annotate and server-side apply', async () => {
    await ok(['patch', 'deploy', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"patched":"merge"}}}']);
    await ok(['patch', 'deploy', 'web', '--type=json', '-p', '[{"op":"add","path":"/metadata/annotations/json","value":"yes"}]']);
    await ok(['patch', 'deploy', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}']);
    await ok(['label', 'deploy', 'web', 'tier=front']);
    const d = await json(['get', 'deploy', 'web']);
    expect(d.metadata.labels).toMatchObject({ patched: 'merge', tier: 'front' });
    expect(d.metadata.annotations.json).toBe('yes');
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: 'web', image: 'nginx:1.28', ports: [{ containerPort: 80, protocol: 'TCP' }] });
    await eventually(async () => {
      const pods = (await json(['get', 'pods', '-l', 'app=web'])).items;
      return pods.length === 3 && pods.every((p: any) => p.spec.containers[0].image === 'nginx:1.28' && p.status.phase === 'Running');
    }, 15_000, 'rollout to nginx:1.28');
    const ssa = await ok(['apply', '--server-side', '--field-manager=e2e', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n');
    expect(ssa).toMatch(/configmap\/ssa serverside-applied/);
    const dry = await ok(['apply', '--dry-run=server', '-f', join(FIXTURES, 'app.yaml')]);
    expect(dry).toMatch(/server dry run/);
  });

  it('[E8] delete waits on finalizers and completes when they are removed', async () => {
    await ok(['create', 'configmap', 'held', '--from-literal=a=b', '--dry-run=client', '-o', 'json'], undefined).then((cm) => ok(['apply', '-f', '-'], cm));
    await ok(['patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":["e2e.smartscale.io/hold"]}}']);
    await ok(['delete', 'configmap', 'held', '--wait=false']);
    const held = await json(['get', 'configmap', 'held']);
    expect(held.metadata.deletionTimestamp).toBeDefined();
    await ok(['patch', 'configmap', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]']);
    const gone = await cluster.kubectl(['get', 'configmap', 'held']);
    expect(gone.stderr).toMatch(/NotFound/);
  });

  it('[E9] eviction against a PDB: refused with TooManyRequests while the budget is exhausted, allowed after relaxing it', async () => {
    const pod = (await json(['get', 'pods', '-l', 'app=web'])).items[0].metadata.name;
    const eviction = JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: 'default' } });
    const refused = await cluster.kubectl(['create', '--raw', `/api/v1/namespaces/default/pods/${pod}/eviction`, '-f', '-'], { input: eviction });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/TooManyRequests|disruption budget/);
    // kubectl drain retries evictions every 5 s and only then notices its timeout: this takes ~15 s.
    const drain = await cluster.kubectl(['drain', 'e2e-1', '--ignore-daemonsets', '--timeout=2s']);
    expect(drain.code).not.toBe(0);
    expect(drain.stderr).toMatch(/disruption budget|global timeout/);
    await ok(['uncordon', 'e2e-1']);
    await ok(['patch', 'pdb', 'web', '--type=merge', '-p', '{"spec":{"minAvailable":2}}']);
    await eventually(async () => (await json(['get', 'pdb', 'web'])).status?.disruptionsAllowed === 1, 10_000, 'budget allows one');
    await ok(['create', '--raw', `/api/v1/namespaces/default/pods/${pod}/eviction`, '-f', '-'], eviction);
    const after = await cluster.kubectl(['get', 'pod', pod]);
    expect(after.stderr).toMatch(/NotFound/);
  });

  it('[E10] custom resources: CRD, get with printer columns, scale, patch, delete', async () => {
    await ok(['apply', '-f', join(FIXTURES, 'widgets-crd.yaml')]);
    await ok(['apply', '-f', join(FIXTURES, 'widget.yaml')]);
    const table = await ok(['get', 'wdg']);
    expect(table).toMatch(/NAME\s+SIZE\s+AGE/);
    expect(table).toMatch(/w1\s+3/);
    await ok(['scale', 'widget', 'w1', '--replicas=4']);
    await ok(['patch', 'widget', 'w1', '--type=merge', '-p', '{"spec":{"size":5}}']);
    const w = await json(['get', 'widget', 'w1']);
    expect(w.spec).toMatchObject({ size: 5, replicas: 4 });
    expect(w.metadata.generation).toBe(3);
    await ok(['delete', '-f', join(FIXTURES, 'widgets-crd.yaml')]);
    const gone = await cluster.kubectl(['get', 'widgets']);
    expect(gone.code).not.toBe(0);
  });

  it('[E13] NodeClaim printer columns with filter paths: READY is the Initialized condition, DRIFTED its reason in -o wide', async () => {
    const claim = { apiVersion: 'smartscale.io/v1', kind: 'NodeClaim', metadata: { name: 'e2e-claim' }, spec: { nodePool: 'default', instanceTypeOptions: ['m5.large'] } };
    await ok(['create', '-f', '-'], JSON.stringify(claim));
    expect(cellOf(await ok(['get', 'nodeclaims']), 'e2e-claim', 'READY')).toMatch(/^(<none>)?$/);
    const conditions = [
      { type: 'Launched', status: 'True', reason: 'Launched' },
      { type: 'Initialized', status: 'True', reason: 'Initialized' },
      { type: 'Drifted', status: 'True', reason: 'NodeClassDrifted' },
    ];
    await ok(['patch', 'nodeclaim', 'e2e-claim', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { nodeName: 'e2e-1', conditions } })]);
    const table = await ok(['get', 'nodeclaims']);
    expect(cellOf(table, 'e2e-claim', 'READY')).toBe('True');
    expect(cellOf(table, 'e2e-claim', 'NODE')).toBe('e2e-1');
    expect(cellOf(await ok(['get', 'nodeclaims', '-o', 'wide']), 'e2e-claim', 'DRIFTED')).toBe('NodeClassDrifted');
    await ok(['delete', 'nodeclaim', 'e2e-claim']);
  });

  it('[E12] imperative generators that send protobuf: create configmap, secret, namespace, serviceaccount, deployment', async () => {
    await ok(['create', 'configmap', 'imp', '--from-literal=a=b']);
    expect((await json(['get', 'configmap', 'imp'])).data).toEqual({ a: 'b' });
    await ok(['create', 'secret', 'generic', 'imp', '--from-literal=k=v']);
    expect((await json(['get', 'secret', 'imp'])).data).toEqual({ k: Buffer.from('v').toString('base64') });
    await ok(['create', 'namespace', 'imp']);
    await ok(['create', 'serviceaccount', 'imp', '-n', 'imp']);
    await ok(['create', 'deployment', 'imp', '--image=nginx:1.27', '--replicas=2', '--port=8080']);
    const d = await json(['get', 'deploy', 'imp']);
    expect(d.spec).toMatchObject({ replicas: 2, selector: { matchLabels: { app: 'imp' } } });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] });
    await eventually(async () => (await json(['get', 'deploy', 'imp'])).status?.readyReplicas === 2, 10_000, 'imperative deployment ready');
    await ok(['delete', 'deploy', 'imp']);
  });

  it('[E11] deleting the Deployment cascades; deleting a namespace removes its content', async () => {
    await ok(['delete', 'deploy', 'web']);
    await eventually(async () => (await json(['get', 'pods,rs', '-l', 'app=web'])).items.length === 0, 10_000, 'cascade');
    await ok(['create', 'namespace', 'doomed', '--dry-run=client', '-o', 'yaml']).then((y) => ok(['apply', '-f', '-'], y));
    await ok(['-n', 'doomed', 'apply', '-f', join(FIXTURES, 'app.yaml')]);
    await ok(['delete', 'namespace', 'doomed', '--timeout=20s']);
    const ns = await cluster.kubectl(['get', 'namespace', 'doomed']);
    expect(ns.stderr).toMatch(/NotFound/);
    expect(readFileSync(join(cluster.dir, 'kubeconfig'), 'utf8')).toContain('certificate-authority-data');
  });
});
