/** The controller process's interruption queue setting (the rest of readProcessConfig: settings.test.ts). */
import { describe, expect, it } from 'vitest';
import { ProcessConfigError, readProcessConfig } from '../../../core/controllers/process-config.js';

const AWS = { SMARTSCALE_CLUSTER_NAME: 'demo', SMARTSCALE_CLUSTER_ENDPOINT: 'https://x.eks.amazonaws.com', SMARTSCALE_CLUSTER_CA: 'Q0E=', SMARTSCALE_SERVICE_CIDR: '10.100.0.0/16' };
const URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/smartscale-demo';

describe('--interruption-queue / SMARTSCALE_INTERRUPTION_QUEUE', () => {
  it('a queue URL or name, from the flag or the environment (the flag wins); none: not set', () => {
    expect(readProcessConfig([], AWS).interruptionQueue).toBeUndefined();
    expect(readProcessConfig([], { ...AWS, SMARTSCALE_INTERRUPTION_QUEUE: '' }).interruptionQueue).toBeUndefined();
    expect(readProcessConfig([], { ...AWS, SMARTSCALE_INTERRUPTION_QUEUE: URL }).interruptionQueue).toBe(URL);
    expect(readProcessConfig(['--interruption-queue', 'smartscale-demo'], { ...AWS, SMARTSCALE_INTERRUPTION_QUEUE: URL }).interruptionQueue).toBe('smartscale-demo');
  });

  it('refused: not a URL or name, or with the simulated cloud (it has its own queue)', () => {
    expect(() => readProcessConfig(['--interruption-queue=arn:aws:sqs:us-east-1:123456789012:q'], AWS)).toThrow(ProcessConfigError);
    expect(() => readProcessConfig(['--interruption-queue=arn:aws:sqs:us-east-1:123456789012:q'], AWS)).toThrow(/neither an SQS queue URL/);
    expect(() => readProcessConfig(['--cloud', 'simulated', '--interruption-queue', 'q'], {})).toThrow(/is for --cloud aws/);
  });
});
