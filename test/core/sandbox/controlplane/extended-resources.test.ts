/**
 * Extended resources in the sandbox scheduler, as NodeResourcesFit has them: a node that does not
 * advertise a resource has none of it, one that does takes pods up to its allocatable — whether or
 * not the pod also asks for ephemeral storage the node does not report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../core/kube/client.js';
import { NODES, PODS } from '../../../../core/sandbox/controlplane/refs.js';
import { simulatedNode } from '../../../../core/sandbox/nodes.js';
import { startSandbox, type Sandbox } from '../../../../core/sandbox/sandbox.js';
import { eventually } from '../support.js';

const FUSE = 'smarter-devices/fuse';
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ speed: 10, nodeReadyDelayMs: 200, podStartDelayMs: 200 });
});
afterAll(() => sandbox.stop());

async function readyNode(name: string, extra: Record<string, string> = {}): Promise<void> {
  const node = simulatedNode({ name, cpu: '8', memory: '16Gi' });
  node.status = { capacity: { ...node.status.capacity, ...extra }, allocatable: { ...node.status.allocatable, ...extra } };
  await sandbox.client.create(NODES, node);
  await eventually(async () => (await sandbox.client.get(NODES, name))?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'), 5000, `${name} Ready`);
}

const podOn = (name: string, node: string, requests: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { nodeSelector: { 'kubernetes.io/hostname': node }, containers: [{ name: 'c', image: 'app', resources: { requests: { cpu: '100m', ...requests }, limits: { ...requests } } }] },
});
const nodeOf = async (name: string) => (await sandbox.client.get(PODS, name, 'default'))?.spec?.nodeName as string | undefined;
const message = async (name: string) => ((await sandbox.client.get(PODS, name, 'default'))?.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled' && c.reason === 'Unschedulable')?.message as string | undefined;

describe('sandbox: extended resources (NodeResourcesFit)', { timeout: 20_000 }, () => {
  it('a node without the resource takes no such pod; one advertising two takes two; ephemeral storage asked too changes nothing', async () => {
    await readyNode('bare');
    await readyNode('fuse', { [FUSE]: '2' });
    await sandbox.client.create(PODS, podOn('on-bare', 'bare', { [FUSE]: '1', 'ephemeral-storage': '1Gi' }), 'default');
    expect(await eventually(() => message('on-bare'), 5000, 'refused')).toBe(`0/2 nodes are available: 1 Insufficient ${FUSE}, 1 node(s) didn't match Pod's node affinity/selector.`);
    for (const i of [1, 2, 3]) await sandbox.client.create(PODS, podOn(`f-${i}`, 'fuse', { [FUSE]: '1', 'ephemeral-storage': '1Gi' }), 'default');
    const placed = await eventually(async () => {
      const on = await Promise.all([1, 2, 3].map((i) => nodeOf(`f-${i}`)));
      return on.filter((n) => n === 'fuse').length === 2 && on;
    }, 5000, 'two placed');
    const waiting = `f-${placed.findIndex((n) => n === undefined) + 1}`;
    expect(await eventually(() => message(waiting), 5000, 'third refused')).toMatch(new RegExp(`1 Insufficient ${FUSE}`));
    await new Promise((r) => setTimeout(r, 300));
    expect(await nodeOf(waiting)).toBeUndefined();
  });
});
