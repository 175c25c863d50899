import { EventEmitter } from 'node:events';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_BYTES, writeChunked, type BodySink } from '../../../core/sandbox/apiserver/chunked-body.js';
import type { RunningApiServer } from '../../../core/sandbox/apiserver/server.js';
import { openWatch, raw, startTestServer } from './support.js';

/**
 * A sink that behaves like a socket with a small buffer: it holds each written chunk until
 * `consume()` (then copies its bytes and calls the chunk's callback), answers false from write()
 * while anything is held, and emits 'drain' when emptied.
 */
class FakeSink extends EventEmitter implements BodySink {
  destroyed = false;
  readonly received: Buffer[] = [];
  readonly writeSizes: number[] = [];
  readonly backing = new Set<ArrayBufferLike>();
  private held: Array<{ chunk: Buffer; done: (error?: Error | null) => void }> = [];
  /** Writes accepted while the sink was already holding data (a writer ignoring backpressure). */
  writesWhileFull = 0;

  write(chunk: Buffer, done: (error?: Error | null) => void): boolean {
    if (this.held.length > 0) this.writesWhileFull++;
    this.writeSizes.push(chunk.length);
    this.backing.add(chunk.buffer);
    this.held.push({ chunk, done });
    return false;
  }

  consume(): void {
    const held = this.held;
    this.held = [];
    for (const { chunk, done } of held) {
      this.received.push(Buffer.from(chunk)); // copied now: a reused chunk must not change what was sent
      done();
    }
    this.emit('drain');
  }

  hangUp(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

/** Runs the writer against a sink that drains on the next turn of the event loop. */
async function pump(pieces: Buffer[], chunkBytes: number): Promise<FakeSink> {
  const sink = new FakeSink();
  const draining = setInterval(() => sink.consume(), 0);
  try {
    await writeChunked(sink, pieces, chunkBytes);
    await new Promise((r) => setTimeout(r, 5));
    sink.consume();
  } finally {
    clearInterval(draining);
  }
  return sink;
}

function seededPieces(seed: number, count: number, maxLength: number): Buffer[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, (_, i) => Buffer.alloc(next() % (maxLength + 1), String.fromCharCode(97 + (i % 26))));
}

describe('writeChunked', () => {
  it('sends exactly the concatenated pieces, in chunks no larger than the chunk size, including pieces larger than a chunk and empty ones', async () => {
    const pieces = [...seededPieces(7, 400, 300), Buffer.alloc(0), Buffer.alloc(2500, 'Z'), ...seededPieces(11, 50, 90)];
    const sink = await pump(pieces, 1024);
    expect(Buffer.concat(sink.received).equals(Buffer.concat(pieces))).toBe(true);
    expect(Math.max(...sink.writeSizes)).toBeLessThanOrEqual(1024);
    expect(sink.writeSizes.length).toBeGreaterThanOrEqual(Math.ceil(Buffer.concat(pieces).length / 1024));
  });

  it('waits for drain before writing again and reuses released chunks (a few buffers, not one per chunk)', async () => {
    const pieces = seededPieces(3, 2000, 200);
    const sink = await pump(pieces, 512);
    expect(sink.writesWhileFull).toBe(0);
    expect(sink.writeSizes.length).toBeGreaterThan(300);
    // Chunks assembled by the writer share at most a few backing buffers (the pieces' own slices add none here).
    expect(sink.backing.size).toBeLessThanOrEqual(3);
    expect(Buffer.concat(sink.received).equals(Buffer.concat(pieces))).toBe(true);
  });

  it('stops when the client hangs up, without waiting for a drain that never comes', async () => {
    const sink = new FakeSink();
    const pieces = seededPieces(5, 1000, 100);
    const done = writeChunked(sink, pieces, 256);
    await new Promise((r) => setTimeout(r, 1));
    sink.hangUp();
    await done;
    expect(sink.writeSizes.length).toBe(1);
  });

  it('refuses a chunk size that is not a positive integer', async () => {
    await expect(writeChunked(new FakeSink(), [Buffer.from('x')], 0)).rejects.toThrow(RangeError);
  });
});

describe('sandbox lists are streamed', () => {
  let server: RunningApiServer;
  const CM = '/api/v1/namespaces/default/configmaps';
  const COUNT = 3000;

  beforeAll(async () => {
    server = await startTestServer();
    const type = server.core.registry.get('', 'v1', 'configmaps')!;
    const filler = 'x'.repeat(2000);
    for (let i = 0; i < COUNT; i++) {
      await server.core.create(type, 'default', { metadata: { name: `big-${String(i).padStart(4, '0')}` }, data: { filler } }, { internal: true });
    }
  });
  afterAll(() => server.close());

  /** Starts a list and stops reading after the first bytes; resolves with controls to resume or abort. */
  function stalledList(path: string) {
    return new Promise<{ status: number; length: number; resume: () => Promise<string>; abort: () => void }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, ca: server.caPem, servername: 'localhost', headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.once('data', (first: Buffer) => {
          chunks.push(first);
          res.pause();
          resolve({
            status: res.statusCode ?? 0,
            length: Number(res.headers['content-length']),
            resume: () =>
              new Promise((done) => {
                res.on('data', (c: Buffer) => chunks.push(c));
                res.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
                res.resume();
              }),
            abort: () => req.destroy(),
          });
        });
      });
      req.on('error', (error) => (error.message.includes('socket hang up') ? undefined : reject(error)));
      req.end();
    });
  }

  it('[L6] a list larger than the socket buffers is the state at its resourceVersion, even when a write lands while it streams; other requests are served meanwhile', async () => {
    const list = await stalledList(CM);
    expect(list.status).toBe(200);
    expect(list.length).toBeGreaterThan(COUNT * 2000);
    // The server is not blocked on the stalled client: a write and a read go through.
    const patched = await raw(server, 'PATCH', `${CM}/big-0000`, { data: { filler: 'changed' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    expect((await raw(server, 'GET', `${CM}/big-0000`)).body.data.filler).toBe('changed');
    const text = await list.resume();
    expect(Buffer.byteLength(text)).toBe(list.length);
    const body = JSON.parse(text);
    expect(body.kind).toBe('ConfigMapList');
    expect(body.items).toHaveLength(COUNT);
    expect(body.items.find((i: any) => i.metadata.name === 'big-0000').data.filler).toHaveLength(2000);
    expect(Number(body.metadata.resourceVersion)).toBeLessThan(Number(patched.body.metadata.resourceVersion));
    // A watch from the list's version delivers the write the list did not include.
    const w = openWatch(server, `${CM}?watch=true&resourceVersion=${body.metadata.resourceVersion}`);
    const [event] = await w.waitFor(1);
    expect(event).toMatchObject({ type: 'MODIFIED', object: { metadata: { name: 'big-0000' }, data: { filler: 'changed' } } });
    w.close();
  });

  it('[L7] a client that hangs up in the middle of a list leaves the server serving', async () => {
    const list = await stalledList(CM);
    list.abort();
    await new Promise((r) => setTimeout(r, 50));
    const again = await raw(server, 'GET', CM);
    expect(again.status).toBe(200);
    expect(again.body.items).toHaveLength(COUNT);
  });

  it('filtered lists stream the same way and match the unfiltered items', async () => {
    const all = await raw(server, 'GET', CM);
    const selected = await raw(server, 'GET', `${CM}?fieldSelector=metadata.namespace%3Ddefault`);
    expect(selected.status).toBe(200);
    expect(Number(selected.headers['content-length'])).toBe(Buffer.byteLength(selected.text));
    expect(selected.body.items).toEqual(all.body.items);
    expect(CHUNK_BYTES).toBeLessThan(Buffer.byteLength(all.text));
  });
});
