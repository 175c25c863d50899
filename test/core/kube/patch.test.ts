/**
 * patchStatusWithRetry against the sandbox API server: a merge patch of the status carrying the read
 * resourceVersion — a write in between answers 409 and the change is made again on the fresh object
 * (nothing of the other write is lost); fields the new status drops are removed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeClient, KubeObject } from '../../../core/kube/client.js';
import { patchStatusWithRetry } from '../../../core/kube/patch.js';
import { Refs } from '../../../core/kube/refs.js';
import { UNMANAGED_ANNOTATION } from '../../../core/sandbox/controlplane/kubelet.js';
import { startSandbox, type Sandbox } from '../../../core/sandbox/sandbox.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({});
});
afterAll(() => sandbox.stop());

async function node(name: string): Promise<void> {
  const api = sandbox.client;
  await api.create(Refs.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name, annotations: { [UNMANAGED_ANNOTATION]: 'true' } }, spec: {} });
  await api.patch(Refs.nodes, name, undefined, { status: { addresses: [{ type: 'Hostname', address: name }], conditions: [{ type: 'Ready', status: 'True' }] } }, 'merge', { subresource: 'status' });
}

/** The sandbox's client, with `before` run ahead of the first status patch (another writer). */
function interleaved(before: () => Promise<void>): KubeClient {
  const inner = sandbox.client;
  let done = false;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'patch') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<KubeClient['patch']>) => {
        if (!done) {
          done = true;
          await before();
        }
        return inner.patch(...args);
      };
    },
  });
}

const conditionTypes = (o: KubeObject | undefined) => (o?.status?.conditions ?? []).map((c: { type: string }) => c.type).sort();

describe('patchStatusWithRetry', () => {
  it('a write between the read and the patch: 409, read again, the change made on the fresh status', async () => {
    await node('n1');
    const other = () => sandbox.client.patch(Refs.nodes, 'n1', undefined, { status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'DiskPressure', status: 'False' }] } }, 'merge', { subresource: 'status' }).then(() => undefined);
    const client = interleaved(other);
    const seen: string[][] = [];
    const wrote = await patchStatusWithRetry(client, Refs.nodes, 'n1', undefined, (fresh) => {
      seen.push(conditionTypes(fresh));
      // Drops `addresses`, adds a condition to what it read.
      return { conditions: [...fresh.status.conditions, { type: 'Drifted', status: 'True' }] };
    });
    expect(wrote).toBe(true);
    expect(seen).toEqual([['Ready'], ['DiskPressure', 'Ready']]);
    const after = await sandbox.client.get(Refs.nodes, 'n1');
    expect(conditionTypes(after)).toEqual(['DiskPressure', 'Drifted', 'Ready']);
    expect(after?.status?.addresses).toBeUndefined();
  });

  it('nothing to change, or the object gone: no write, false', async () => {
    await node('n2');
    const before = (await sandbox.client.get(Refs.nodes, 'n2'))!.metadata.resourceVersion;
    expect(await patchStatusWithRetry(sandbox.client, Refs.nodes, 'n2', undefined, () => undefined)).toBe(false);
    expect((await sandbox.client.get(Refs.nodes, 'n2'))!.metadata.resourceVersion).toBe(before);
    expect(await patchStatusWithRetry(sandbox.client, Refs.nodes, 'missing', undefined, () => ({ conditions: [] }))).toBe(false);
    // Deleted between the read and the patch.
    const client = interleaved(() => sandbox.client.delete(Refs.nodes, 'n2').then(() => undefined));
    expect(await patchStatusWithRetry(client, Refs.nodes, 'n2', undefined, () => ({ conditions: [] }))).toBe(false);
  });
});
