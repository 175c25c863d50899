/**
 * Writes a large response body (a list of 20,000 pods is 21.5 MB) as a stream of bounded chunks,
 * waiting for the connection to drain between them.
 *
 * Why not write the pieces at once: node's TLS layer copies a batch of writes into one buffer the
 * size of the whole body and encrypts all of it before the first byte leaves. That is a 21.5 MB
 * allocation per list, and when it lands on memory the process has not touched before (the first
 * list after the bulk load's, or any list after the allocator returned the memory to the kernel),
 * faulting those pages in cost 80–220 ms on the benchmark machine: the one slow list in ten
 * (docs/sandbox.md, "List latency"; ADR 044). A list now needs two or three chunks, reused while
 * it streams; the client decrypts chunk n while the server encrypts chunk n+1, and other requests
 * (watch events) are served between chunks instead of waiting for the whole body.
 */

/**
 * 256 KiB: fewer turns of the event loop than 64 KiB (server CPU per 21.5 MB list 48–69 ms against
 * 59–90 ms in side-by-side runs), and even on fresh memory a chunk costs 64 page faults, not 5,500.
 */
export const CHUNK_BYTES = 256 * 1024;

/** The part of a ServerResponse (or any Writable) the writer needs. */
export interface BodySink {
  /** `done` runs once the sink no longer needs `chunk` (node's TLS layer has encrypted it). */
  write(chunk: Buffer, done: (error?: Error | null) => void): boolean;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  removeListener(event: 'drain' | 'close', listener: () => void): unknown;
  readonly destroyed: boolean;
}

/** Resolves when the sink drains or closes (a client that hangs up never drains). */
function drained(sink: BodySink): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      sink.removeListener('drain', done);
      sink.removeListener('close', done);
      resolve();
    };
    sink.once('drain', done);
    sink.once('close', done);
  });
}

const ignore = (): void => {};

/**
 * Copies `pieces` into chunks of `chunkBytes` and writes them in order; a piece larger than a chunk
 * is written as slices of itself (pieces are never modified). A chunk is reused once the sink has
 * let go of it, so a list allocates two or three chunks, not one per CHUNK_BYTES. Stops early when the
 * sink is destroyed. Does not end the sink.
 */
export async function writeChunked(sink: BodySink, pieces: Iterable<Buffer>, chunkBytes = CHUNK_BYTES): Promise<void> {
  if (!(Number.isInteger(chunkBytes) && chunkBytes > 0)) throw new RangeError(`chunkBytes must be a positive integer, got ${chunkBytes}`);
  const spare: Buffer[] = [];
  const take = (): Buffer => spare.pop() ?? Buffer.allocUnsafeSlow(chunkBytes);
  const put = async (bytes: Buffer, release: (error?: Error | null) => void): Promise<void> => {
    if (!sink.write(bytes, release)) await drained(sink);
  };
  let chunk = take();
  let used = 0;
  const flush = async (): Promise<void> => {
    const full = chunk;
    await put(full.subarray(0, used), (error) => {
      if (!error) spare.push(full);
    });
    chunk = take();
    used = 0;
  };
  for (const piece of pieces) {
    if (sink.destroyed) return;
    if (used + piece.length > chunkBytes) {
      if (used > 0) await flush();
      if (piece.length > chunkBytes) {
        for (let offset = 0; offset < piece.length && !sink.destroyed; offset += chunkBytes) {
          await put(piece.subarray(offset, offset + chunkBytes), ignore);
        }
        continue;
      }
      if (sink.destroyed) return;
    }
    chunk.set(piece, used);
    used += piece.length;
  }
  // The caller's end() queues behind the last chunk; no need to wait for it to drain.
  if (used > 0 && !sink.destroyed) sink.write(chunk.subarray(0, used), ignore);
}
