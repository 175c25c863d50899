/**
 * The API client on a kept-alive connection the server closes as the client reuses it (Node's
 * default server keep-alive is 5 s; load balancers have their own): the request never reached the
 * server, so it is sent once more on a new connection instead of failing with "socket hang up".
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpKubeClient } from '../../../core/kube/client.js';
import { Refs } from '../../../core/kube/refs.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A server that drops a reused connection without answering `drops` times; fresh connections are answered. */
async function flakyServer(drops: number): Promise<{ client: HttpKubeClient; requests: () => number }> {
  let requests = 0;
  let left = drops;
  const served = new WeakMap<object, number>();
  server = createServer((req, res) => {
    requests++;
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    if (n > 1 && left > 0) {
      left--;
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { client: new HttpKubeClient(kc), requests: () => requests };
}

describe('HttpKubeClient on a closed keep-alive connection', () => {
  it('sends the request once more on a new connection', async () => {
    const { client, requests } = await flakyServer(1);
    expect((await client.get(Refs.nodes, 'n1'))?.metadata.name).toBe('n1');
    // Reuses the connection; the server drops it; answered on a new one.
    expect((await client.get(Refs.nodes, 'n1'))?.metadata.name).toBe('n1');
    expect(requests()).toBe(3);
    client.close();
  });

  it('a new connection that fails is not retried: the server may have read the request', async () => {
    let requests = 0;
    server = createServer((req) => {
      requests++;
      req.socket.destroy();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const client = new HttpKubeClient(kc);
    await expect(client.get(Refs.nodes, 'n1')).rejects.toMatchObject({ code: 0, reason: 'NetworkError' });
    expect(requests).toBe(1);
    client.close();
  });
});
