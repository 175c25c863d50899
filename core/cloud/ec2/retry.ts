/**
 * Retries for EC2 calls: throttling (`RequestLimitExceeded`), 5xx and network failures are
 * retried with capped exponential backoff and full jitter; anything else fails at once, turned
 * into a typed error (errors.ts). Sleep and randomness are injected so tests run instantly.
 *
 * The SDK client smartscale creates has its own retries switched off (`maxAttempts: 1`) so this
 * is the only retry loop and its delays are the documented ones. With the SDK's retries went the
 * SDK's retry quota; `RetryBudget` restores it: under sustained throttling every caller retrying
 * six times would multiply the load on an API that is already refusing it.
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
  /** Shared by every call of one provider: retries spend it, successes refill it. None: unlimited. */
  readonly budget?: RetryBudget;
  /** Called before each wait, for logs and metrics. */
  readonly onRetry?: (event: { operation: string; attempt: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_RETRY = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 20_000 } as const;

/**
 * A token bucket for retries, after the AWS SDKs' "standard" retry quota: a retry costs
 * `retryCost` tokens (a timeout twice that), a call that succeeds gives back what it spent (or 1
 * when it spent nothing), up to `capacity`. Empty: failures are returned at once instead of being
 * retried, until successes refill it. Defaults are the SDKs' (500, 5).
 */
export class RetryBudget {
  readonly capacity: number;
  readonly retryCost: number;
  private tokens: number;

  constructor(options: { capacity?: number; retryCost?: number } = {}) {
    this.capacity = options.capacity ?? 500;
    this.retryCost = options.retryCost ?? 5;
    if (!(this.capacity > 0 && this.retryCost > 0)) throw new RangeError('RetryBudget: capacity and retryCost must be positive');
    this.tokens = this.capacity;
  }

  get available(): number {
    return this.tokens;
  }

  /** Takes the tokens for one retry and returns how many; undefined when the budget cannot pay for it. */
  acquire(timeout: boolean): number | undefined {
    const cost = timeout ? 2 * this.retryCost : this.retryCost;
    if (this.tokens < cost) return undefined;
    this.tokens -= cost;
    return cost;
  }

  /** A call succeeded after spending `spent` tokens on retries. */
  release(spent: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + (spent > 0 ? spent : 1));
  }
}

/** Full jitter (AWS architecture blog): uniform in [0, min(cap, base · 2^(attempt-1))). */
export function backoffDelayMs(policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'random'>, attempt: number): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * window);
}

export async function withRetry<T>(operation: string, policy: RetryPolicy, run: () => Promise<T>): Promise<T> {
  let spent = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await run();
      policy.budget?.release(spent);
      return result;
    } catch (error) {
      if (!isRetryableAwsError(error)) throw classifyAwsError(operation, error);
      if (attempt >= policy.maxAttempts) throw error;
      if (policy.budget) {
        const cost = policy.budget.acquire(isTimeout(error));
        if (cost === undefined) throw error;
        spent += cost;
      }
      const delayMs = backoffDelayMs(policy, attempt);
      policy.onRetry?.({ operation, attempt, delayMs, error });
      await policy.sleep(delayMs);
    }
  }
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown; code?: unknown } | null)?.name;
  const code = (error as { code?: unknown } | null)?.code;
  return name === 'TimeoutError' || code === 'ETIMEDOUT' || name === 'RequestTimeout';
}
