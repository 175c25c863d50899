/**
 * Host ports in the sandbox, as kube-scheduler's NodePorts filter has them: a node runs at most one
 * pod binding a protocol and port on overlapping host IPs; a refused pod waits, Unschedulable, and is
 * retried when a pod on the node goes. A hostNetwork pod binds its container ports.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../core/kube/client.js';
import { NODES, PODS } from '../../../../core/sandbox/controlplane/refs.js';
import { simulatedNode } from '../../../../core/sandbox/nodes.js';
import { startSandbox, type Sandbox } from '../../../../core/sandbox/sandbox.js';
import { eventually } from '../support.js';

const NO_PORTS = "node(s) didn't have free ports for the requested pod ports";

let sandbox: Sandbox;
const errors: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 10, nodeReadyDelayMs: 200, podStartDelayMs: 200, onError: (where, e) => errors.push(`${where}: ${String(e)}`) });
});
afterAll(() => sandbox.stop());

async function readyNode(name: string): Promise<void> {
  await sandbox.client.create(NODES, simulatedNode({ name, cpu: '8', memory: '16Gi' }));
  await eventually(async () => (await sandbox.client.get(NODES, name))?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'), 5000, `${name} Ready`);
}

/** A small pod pinned to `node` with the given container ports (and pod spec fields). */
const podWith = (name: string, node: string, ports: Record<string, unknown>[], spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeSelector: { 'kubernetes.io/hostname': node }, containers: [{ name: 'main', image: 'app', ports, resources: { requests: { cpu: '100m' } } }], ...spec },
});

const nodeOf = async (name: string) => (await sandbox.client.get(PODS, name, 'default'))?.spec?.nodeName as string | undefined;
const bound = (name: string) => eventually(() => nodeOf(name), 5000, `${name} bound`);
const refused = (name: string) =>
  eventually(async () => {
    const c = ((await sandbox.client.get(PODS, name, 'default'))?.status?.conditions ?? []).find((x: any) => x.type === 'PodScheduled' && x.status === 'False' && x.reason === 'Unschedulable');
    return typeof c?.message === 'string' && c.message.includes(NO_PORTS) && (c.message as string);
  }, 5000, `${name} Unschedulable for its ports`);

describe('sandbox: host ports (NodePorts)', { timeout: 20_000 }, () => {
  it('a second pod binding TCP 80 waits until the first is deleted; another port, protocol or a hostNetwork pod’s own ports are judged alike', async () => {
    await readyNode('hp');
    await sandbox.client.create(PODS, podWith('hp-1', 'hp', [{ containerPort: 8080, hostPort: 80 }]), 'default');
    expect(await bound('hp-1')).toBe('hp');
    await sandbox.client.create(PODS, podWith('hp-2', 'hp', [{ containerPort: 8080, hostPort: 80 }]), 'default');
    expect(await refused('hp-2')).toBe(`0/1 nodes are available: 1 ${NO_PORTS}.`);
    // Other ports and UDP 80 do not collide.
    await sandbox.client.create(PODS, podWith('hp-3', 'hp', [{ containerPort: 53, hostPort: 80, protocol: 'UDP' }, { containerPort: 9100, hostPort: 9100 }]), 'default');
    expect(await bound('hp-3')).toBe('hp');
    // A hostNetwork pod binds its container port 9100 even without hostPort: taken.
    await sandbox.client.create(PODS, podWith('hp-4', 'hp', [{ containerPort: 9100 }], { hostNetwork: true }), 'default');
    await refused('hp-4');
    // It stays refused (not a momentary state).
    await new Promise((r) => setTimeout(r, 300));
    expect(await nodeOf('hp-2')).toBeUndefined();

    await sandbox.client.delete(PODS, 'hp-1', 'default');
    expect(await bound('hp-2')).toBe('hp');
    await sandbox.client.delete(PODS, 'hp-3', 'default');
    expect(await bound('hp-4')).toBe('hp');
    expect(errors).toEqual([]);
  });
});
