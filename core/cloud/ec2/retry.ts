/**
 * Retries for EC2 calls: throttling (`RequestLimitExceeded`), 5xx and network failures are
 * retried with capped exponential backoff and full jitter; anything else fails at once, turned
 * into a typed error (errors.ts). Sleep and randomness are injected so tests run instantly.
 *
 * The SDK client smartscale creates has its own retries switched off (`maxAttempts: 1`) so this
 * is the only retry loop and its delays are the documented ones.
 */
import { classifyAwsError, isRetryableAwsError } from './errors.js';

export interface RetryPolicy {
  /** Total attempts including the first (≥ 1). */
  readonly maxAttempts: number;
  /** Upper bound of the first backoff window, ms. */
  readonly baseDelayMs: number;
  /** Cap on any backoff window, ms. */
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1); `Math.random` in production. */
  readonly random: () => number;
  /** Called before each wait, for logs and metrics. */
  readonly onRetry?: (event: { operation: string; attempt: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_RETRY = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 20_000 } as const;

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base · 2^(attempt-1))). */
export function backoffDelayMs(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>, attempt: number): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * window);
}

export async function withRetry<T>(operation: string, policy: RetryPolicy, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isRetryableAwsError(error)) throw classifyAwsError(operation, error);
      if (attempt >= policy.maxAttempts) throw error;
      const delayMs = backoffDelayMs(policy, attempt);
      policy.onRetry?.({ operation, attempt, delayMs, error });
      await policy.sleep(delayMs);
    }
  }
}
