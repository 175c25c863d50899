import { describe, expect, it } from 'vitest';
import { backoffDelayMs, withRetry, type RetryPolicy } from '../../../../core/cloud/ec2/retry.js';
import { classifyAwsError, NodeClassResolutionError, isEc2AuthorizationError, isEc2ValidationError, isRetryableAwsError, launchFailedCondition, launchFailure } from '../../../../core/cloud/ec2/errors.js';
import { InsufficientCapacityError, isPermanentLaunchError } from '../../../../core/cloud/errors.js';
import { awsError } from './fake-ec2.js';

function policy(sleeps: number[], overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 300, random: () => 0.999, sleep: async (ms) => void sleeps.push(ms), ...overrides };
}

describe('retry', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const p = { baseDelayMs: 100, maxDelayMs: 300 };
    expect([1, 2, 3, 4].map((a) => backoffDelayMs({ ...p, random: () => 0.999 }, a))).toEqual([99, 199, 299, 299]);
    expect(backoffDelayMs({ ...p, random: () => 0 }, 3)).toBe(0);
  });

  it.each([
    ['RequestLimitExceeded', 503, true],
    ['Throttling', 400, true],
    ['InternalError', 500, true],
    ['ServiceUnavailable', 503, true],
    ['ECONNRESET', 0, true],
    ['UnauthorizedOperation', 403, false],
    ['InvalidParameterValue', 400, false],
    ['InvalidInstanceID.NotFound', 400, false],
  ])('%s (HTTP %i) retryable: %s', (code, status, retryable) => {
    expect(isRetryableAwsError(awsError(code, status || 400))).toBe(retryable);
  });

  it('retries transient failures, sleeping between attempts, and returns the result', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const result = await withRetry('Op', policy(sleeps), async () => {
      if (++calls < 3) throw awsError('RequestLimitExceeded', 503);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(sleeps).toEqual([99, 199]);
  });

  it('stops after maxAttempts with the last error', async () => {
    const sleeps: number[] = [];
    let calls = 0;
    await expect(withRetry('Op', policy(sleeps), async () => {
      calls++;
      throw awsError('InternalError', 500);
    })).rejects.toMatchObject({ name: 'InternalError' });
    expect(calls).toBe(4);
    expect(sleeps).toHaveLength(3);
  });

  it('fails at once with a typed error for authorization and validation failures', async () => {
    const sleeps: number[] = [];
    const auth = await withRetry('CreateFleet', policy(sleeps), async () => {
      throw awsError('UnauthorizedOperation', 403, 'not allowed: ec2:CreateFleet');
    }).catch((e: unknown) => e);
    expect(isEc2AuthorizationError(auth)).toBe(true);
    expect((auth as Error).message).toBe('EC2 CreateFleet not authorized (UnauthorizedOperation): not allowed: ec2:CreateFleet');
    const invalid = await withRetry('CreateFleet', policy(sleeps), async () => {
      throw awsError('InvalidParameterCombination');
    }).catch((e: unknown) => e);
    expect(isEc2ValidationError(invalid)).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it('leaves unknown errors as they are', () => {
    const e = new Error('boom');
    expect(classifyAwsError('Op', e)).toBe(e);
  });

  it('says what to put on the node claim for each failure', () => {
    expect(launchFailure(new InsufficientCapacityError([{ instanceType: 'm5.large', zone: 'a', capacityType: 'spot' }]))).toMatchObject({ reason: 'InsufficientCapacity', retryable: true });
    expect(launchFailure(classifyAwsError('CreateFleet', awsError('UnauthorizedOperation')))).toMatchObject({ reason: 'UnauthorizedOperation', retryable: false });
    expect(launchFailure(classifyAwsError('CreateFleet', awsError('InvalidAMIID.NotFound')))).toMatchObject({ reason: 'InvalidRequest', retryable: false });
    expect(launchFailure(new Error('socket hang up'))).toEqual({ reason: 'LaunchFailed', message: 'socket hang up', retryable: true });
    // The controller backs off exactly the failures launchFailure calls permanent (core/cloud/errors.ts).
    for (const error of [classifyAwsError('CreateFleet', awsError('UnauthorizedOperation')), classifyAwsError('CreateFleet', awsError('InvalidAMIID.NotFound')), new NodeClassResolutionError('default', 'no subnets')]) {
      expect(isPermanentLaunchError(error)).toBe(!launchFailure(error).retryable);
      expect(isPermanentLaunchError(error)).toBe(true);
    }
    expect(isPermanentLaunchError(new Error('socket hang up'))).toBe(false);
    // Credentials that failed (expired, not refreshed yet, a skewed clock) clear by themselves:
    // retried, not backed off as a refused configuration; a policy that forbids the call is.
    for (const code of ['ExpiredToken', 'CredentialsProviderError', 'SignatureDoesNotMatch', 'InvalidClientTokenId']) {
      const error = classifyAwsError('CreateFleet', awsError(code));
      expect(isPermanentLaunchError(error)).toBe(false);
      expect(launchFailure(error).retryable).toBe(true);
    }
    for (const code of ['AccessDenied', 'OptInRequired', 'Blocked']) expect(isPermanentLaunchError(classifyAwsError('CreateFleet', awsError(code)))).toBe(true);
    expect(isPermanentLaunchError(new InsufficientCapacityError([{ instanceType: 'm5.large', zone: 'a', capacityType: 'spot' }]))).toBe(false);
    expect(launchFailedCondition(classifyAwsError('CreateFleet', awsError('UnauthorizedOperation', 403, 'no iam:PassRole')), 42)).toEqual({
      type: 'Launched',
      status: 'False',
      reason: 'UnauthorizedOperation',
      message: 'EC2 CreateFleet not authorized (UnauthorizedOperation): no iam:PassRole',
      lastTransitionTime: 42,
    });
  });
});
