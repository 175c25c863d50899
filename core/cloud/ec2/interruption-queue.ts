/**
 * The SQS queue EventBridge delivers EC2 interruption events to (docs/ec2.md, "Interruptions":
 * the queue, its policy and the four rules). Long polls (20 s, up to 10 messages), reads each
 * body with `parseInterruptionEvent`, and deletes handled messages in one batch. Calls go through
 * the provider's retry policy; the client is created on first use.
 */
import { DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseInterruptionEvent, type InterruptionBatch, type InterruptionMessage, type InterruptionQueue } from '../interruption.js';
import { AwsApi } from './api.js';
import type { RetryPolicy } from './retry.js';

export interface SqsInterruptionQueueOptions {
  /** The queue's URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`) or its name (looked up once). */
  readonly queue: string;
  readonly createClient: () => SQSClient;
  readonly retry: RetryPolicy;
  /** Long-poll wait, seconds (0–20; default 20). */
  readonly waitSeconds?: number;
}

/** A queue URL, or a queue name (1–80 of [A-Za-z0-9_-], `.fifo` allowed). Throws RangeError otherwise. */
export function validateQueue(queue: string): string {
  if (typeof queue !== 'string') throw new RangeError('the interruption queue must be an SQS queue URL or name');
  const q = queue.trim();
  if (/^https:\/\/[^\s/]+\/\d{12}\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(q) || /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(q)) return q;
  throw new RangeError(`the interruption queue ${JSON.stringify(queue)} is neither an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>) nor a queue name`);
}

/**
 * The default client: SDK retries off (ours apply), and timeouts a long poll cannot hang past — the
 * SDK's default socket timeout is 15 minutes, during which a half-open connection (a NAT dropping
 * an idle flow) would silence every interruption.
 */
export function defaultSqsClient(region: string | undefined): () => SQSClient {
  return () => new SQSClient({ region, maxAttempts: 1, requestHandler: { requestTimeout: 35_000, connectionTimeout: 5_000 } });
}

/** The account in a queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export function accountOf(url: string): string | undefined {
  return /^https:\/\/[^/]+\/(\d{12})\//.exec(url)?.[1];
}

export class SqsInterruptionQueue implements InterruptionQueue {
  private readonly api: AwsApi<SQSClient>;
  private readonly queue: string;
  private readonly waitSeconds: number;
  private url: string | undefined;

  constructor(options: SqsInterruptionQueueOptions) {
    this.queue = validateQueue(options.queue);
    this.api = new AwsApi(options.createClient, options.retry);
    this.waitSeconds = options.waitSeconds ?? 20;
    if (!(Number.isInteger(this.waitSeconds) && this.waitSeconds >= 0 && this.waitSeconds <= 20)) throw new RangeError('waitSeconds must be a whole number from 0 to 20');
    if (this.queue.startsWith('https://')) this.url = this.queue;
  }

  async receive(signal?: AbortSignal): Promise<InterruptionBatch> {
    const empty = { messages: [], rejected: [] };
    if (signal?.aborted) return empty;
    const QueueUrl = await this.queueUrl();
    let out;
    try {
      out = await this.api.call('ReceiveMessage', (client) => {
        // An abort is not an error to retry: the caller is stopping.
        if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        return client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: this.waitSeconds, VisibilityTimeout: 30 }), { abortSignal: signal });
      });
    } catch (error) {
      if (signal?.aborted) return empty;
      throw error;
    }
    const account = accountOf(QueueUrl);
    const messages: InterruptionMessage[] = [];
    const rejected: Array<{ receipt: string; why: string }> = [];
    for (const m of out.Messages ?? []) {
      if (!m.ReceiptHandle) continue;
      const parsed = parseInterruptionEvent(m.ReceiptHandle, m.Body ?? '', { account });
      if (typeof parsed === 'string') rejected.push({ receipt: m.ReceiptHandle, why: parsed });
      else messages.push(parsed);
    }
    return { messages, rejected };
  }

  /** Deletes in batches of 10 (SQS's limit); entries SQS reports as failed are thrown, to come back. */
  async acknowledge(receipts: readonly string[]): Promise<void> {
    if (receipts.length === 0) return;
    const QueueUrl = await this.queueUrl();
    const failed: string[] = [];
    for (let i = 0; i < receipts.length; i += 10) {
      const Entries = receipts.slice(i, i + 10).map((ReceiptHandle, j) => ({ Id: `m${i + j}`, ReceiptHandle }));
      const out = await this.api.call('DeleteMessageBatch', (client) => client.send(new DeleteMessageBatchCommand({ QueueUrl, Entries })));
      for (const f of out.Failed ?? []) failed.push(`${f.Id}: ${f.Code ?? 'failed'}${f.Message ? ` (${f.Message})` : ''}`);
    }
    if (failed.length > 0) throw new Error(`SQS DeleteMessageBatch: ${failed.length} of ${receipts.length} not deleted: ${failed.join('; ')}`);
  }

  private async queueUrl(): Promise<string> {
    if (this.url) return this.url;
    const out = await this.api.call('GetQueueUrl', (client) => client.send(new GetQueueUrlCommand({ QueueName: this.queue })));
    if (!out.QueueUrl) throw new Error(`SQS GetQueueUrl: no URL for queue ${this.queue}`);
    this.url = out.QueueUrl;
    return this.url;
  }
}
