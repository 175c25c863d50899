/**
 * The SQS interruption queue against aws-sdk-client-mock: long poll, bodies parsed, foreign ones
 * rejected (to be acknowledged), deletes in batches of ten, the URL looked up once by name.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { DeleteMessageBatchCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { accountOf, defaultSqsClient, SqsInterruptionQueue, validateQueue } from '../../../../core/cloud/ec2/interruption-queue.js';
import { DEFAULT_RETRY } from '../../../../core/cloud/ec2/retry.js';
import { awsError } from './fake-ec2.js';

const URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/smartscale-demo';
const spot = (id: string) => JSON.stringify({ 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', time: '2026-12-05T07:00:00Z', detail: { 'instance-id': id, 'instance-action': 'terminate' } });

function queue(name = URL) {
  const client = new SQSClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const mock = mockClient(client);
  const sleeps: number[] = [];
  const q = new SqsInterruptionQueue({ queue: name, createClient: () => client, retry: { ...DEFAULT_RETRY, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 } });
  return { q, mock, sleeps };
}

describe('SqsInterruptionQueue', () => {
  it('long-polls up to 10 messages; interruption events parsed, others rejected with the reason', async () => {
    const { q, mock } = queue();
    mock.on(ReceiveMessageCommand).resolves({
      Messages: [
        { ReceiptHandle: 'h1', Body: spot('i-0123456789abcdef0') },
        { ReceiptHandle: 'h2', Body: 'not json' },
        { Body: spot('i-0fedcba9876543210') },
      ],
    });
    const batch = await q.receive();
    expect(mock).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 20 });
    expect(batch.messages).toEqual([{ receipt: 'h1', kind: 'SpotInterruption', instanceIds: ['i-0123456789abcdef0'], at: Date.parse('2026-12-05T07:00:00Z'), detail: 'spot instance terminate in two minutes' }]);
    expect(batch.rejected).toEqual([{ receipt: 'h2', why: 'not JSON' }]);
    mock.on(ReceiveMessageCommand).resolves({});
    expect(await q.receive()).toEqual({ messages: [], rejected: [] });
  });

  it("events from another account than the queue's are rejected", async () => {
    const { q, mock } = queue();
    const foreign = JSON.stringify({ account: '999999999999', 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', detail: { 'instance-id': 'i-0123456789abcdef0' } });
    mock.on(ReceiveMessageCommand).resolves({ Messages: [{ ReceiptHandle: 'h1', Body: foreign }] });
    expect((await q.receive()).rejected).toEqual([{ receipt: 'h1', why: 'EC2 Spot Instance Interruption Warning: from account "999999999999", not 123456789012' }]);
  });

  it('an abort ends the poll with an empty batch, not an error, and is not retried', async () => {
    const { q, mock, sleeps } = queue();
    const abort = new AbortController();
    mock.on(ReceiveMessageCommand).callsFake(() => {
      abort.abort();
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    });
    expect(await q.receive(abort.signal)).toEqual({ messages: [], rejected: [] });
    expect(sleeps).toEqual([]);
    expect(await q.receive(abort.signal)).toEqual({ messages: [], rejected: [] });
    expect(mock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 1);
  });

  it('a queue given by name is looked up once', async () => {
    const { q, mock } = queue('smartscale-demo');
    mock.on(GetQueueUrlCommand).resolves({ QueueUrl: URL });
    mock.on(ReceiveMessageCommand).resolves({});
    await q.receive();
    await q.receive();
    expect(mock).toHaveReceivedCommandTimes(GetQueueUrlCommand, 1);
    expect(mock).toHaveReceivedCommandWith(GetQueueUrlCommand, { QueueName: 'smartscale-demo' });
    expect(mock.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.QueueUrl)).toEqual([URL, URL]);
  });

  it('acknowledges in batches of ten; entries SQS did not delete are an error (they come back)', async () => {
    const { q, mock } = queue();
    mock.on(DeleteMessageBatchCommand).resolves({ Successful: [] });
    await q.acknowledge([]);
    expect(mock).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 0);
    const receipts = Array.from({ length: 23 }, (_, i) => `h${i}`);
    await q.acknowledge(receipts);
    const calls = mock.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(calls.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(calls.flat()).toEqual(receipts);
    mock.on(DeleteMessageBatchCommand).resolves({ Failed: [{ Id: 'm0', Code: 'ReceiptHandleIsInvalid', SenderFault: true, Message: 'expired' }] });
    await expect(q.acknowledge(['h0'])).rejects.toThrow('1 of 1 not deleted: m0: ReceiptHandleIsInvalid (expired)');
  });

  it('throttling is retried with backoff; a denied call is not', async () => {
    const { q, mock, sleeps } = queue();
    mock.on(ReceiveMessageCommand).rejectsOnce(awsError('ThrottlingException', 400)).resolves({});
    await q.receive();
    expect(sleeps).toHaveLength(1);
    mock.on(ReceiveMessageCommand).rejects(awsError('AccessDenied', 403));
    await expect(q.receive()).rejects.toThrow();
    expect(sleeps).toHaveLength(1);
  });

  it("the default client cannot hang on a half-open connection (the SDK's own socket timeout is 15 minutes)", async () => {
    const client = defaultSqsClient('us-east-1')();
    const handler = client.config.requestHandler as unknown as { configProvider: Promise<{ requestTimeout?: number; connectionTimeout?: number }> };
    const config = await handler.configProvider;
    expect(config.requestTimeout).toBe(35_000); // above the 20 s long poll
    expect(config.connectionTimeout).toBe(5_000);
    client.destroy();
  });

  it('reads the account from a queue URL', () => {
    expect(accountOf(URL)).toBe('123456789012');
    expect(accountOf('smartscale-demo')).toBeUndefined();
  });

  it('validates the queue: a URL or a name, nothing else', () => {
    expect(validateQueue(` ${URL} `)).toBe(URL);
    expect(validateQueue('smartscale-demo.fifo')).toBe('smartscale-demo.fifo');
    for (const bad of ['', 'http://sqs.us-east-1.amazonaws.com/123456789012/q', 'arn:aws:sqs:us-east-1:123456789012:q', 'a b', 'x'.repeat(81)]) expect(() => validateQueue(bad), bad).toThrow(RangeError);
  });
});
