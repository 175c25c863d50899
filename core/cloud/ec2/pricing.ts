/**
 * Prices for EC2 offerings. On-demand prices come from a price table (the built-in catalog's, or
 * one the caller loads, e.g. from `--catalog FILE`); spot prices from DescribeSpotPriceHistory,
 * refreshed when older than the refresh interval. A failed refresh keeps the last good prices
 * (and is retried on the next read after `retryAfterFailureMs`): a flaky API must not make spot
 * capacity vanish from the plan. Time comes from the injected clock.
 */
import { DescribeSpotPriceHistoryCommand, type SpotPrice } from '@aws-sdk/client-ec2';
import type { Clock } from '../../model/clock.js';
import { builtinCatalogEntries } from '../catalog/builtin.js';
import type { CatalogEntry } from '../catalog/format.js';
import type { Ec2Api } from './api.js';

export const DEFAULT_SPOT_REFRESH_MS = 5 * 60 * 1000;
export const DEFAULT_SPOT_RETRY_AFTER_FAILURE_MS = 30 * 1000;

/** Linux spot prices (EC2 reports both spellings depending on the account's platform). */
const PRODUCT_DESCRIPTIONS = ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'];

export interface PricingOptions {
  /** Instance type → on-demand USD/hour; default the built-in catalog's table. */
  readonly onDemandPrices?: ReadonlyMap<string, number>;
  readonly spotRefreshMs?: number;
  readonly spotRetryAfterFailureMs?: number;
}

export interface SpotRefreshStatus {
  /** When the last successful refresh finished (ms since epoch), or undefined. */
  readonly lastSuccessAt?: number;
  readonly lastAttemptAt?: number;
  readonly lastError?: string;
  readonly prices: number;
}

/**
 * A catalog's on-demand prices (`--catalog FILE` with the aws cloud). The catalog format has no
 * region: the shared file's and the built-in prices are us-east-1's; in other regions they order
 * the types by price but are not what EC2 bills there.
 */
export function onDemandPricesFromCatalog(entries: readonly CatalogEntry[]): Map<string, number> {
  return new Map(entries.map((e) => [e.name, e.onDemandUsdPerHour]));
}

export function builtinOnDemandPrices(): Map<string, number> {
  return onDemandPricesFromCatalog(builtinCatalogEntries());
}

function isPrice(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

export class Ec2Pricing {
  private readonly onDemand = new Map<string, number>();
  /** `type/zone` → USD/hour. */
  private readonly spot = new Map<string, number>();
  private readonly spotRefreshMs: number;
  private readonly retryAfterFailureMs: number;
  private lastSuccessAt: number | undefined;
  private lastAttemptAt: number | undefined;
  private lastError: string | undefined;
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly api: Ec2Api,
    private readonly clock: Pick<Clock, 'now'>,
    options: PricingOptions = {},
  ) {
    this.spotRefreshMs = options.spotRefreshMs ?? DEFAULT_SPOT_REFRESH_MS;
    this.retryAfterFailureMs = options.spotRetryAfterFailureMs ?? DEFAULT_SPOT_RETRY_AFTER_FAILURE_MS;
    for (const ms of [this.spotRefreshMs, this.retryAfterFailureMs]) {
      if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`pricing intervals must be finite and ≥ 0, got ${ms}`);
    }
    this.updateOnDemandPrices(options.onDemandPrices ?? builtinOnDemandPrices());
  }

  onDemandPrice(instanceType: string): number | undefined {
    return this.onDemand.get(instanceType);
  }

  spotPrice(instanceType: string, zone: string): number | undefined {
    return this.spot.get(`${instanceType}/${zone}`);
  }

  /**
   * Merges a new on-demand table: valid prices replace old ones, invalid or missing entries keep
   * the last good value. Returns how many prices were rejected.
   */
  updateOnDemandPrices(prices: ReadonlyMap<string, number>): number {
    let rejected = 0;
    for (const [type, price] of prices) {
      if (isPrice(price) && type.length > 0) this.onDemand.set(type, price);
      else rejected++;
    }
    return rejected;
  }

  status(): SpotRefreshStatus {
    return { lastSuccessAt: this.lastSuccessAt, lastAttemptAt: this.lastAttemptAt, lastError: this.lastError, prices: this.spot.size };
  }

  /** Refreshes spot prices if they are due (stale, or a failure long enough ago). Never throws. */
  async refreshSpotIfDue(): Promise<void> {
    const now = this.clock.now();
    const due =
      this.lastAttemptAt === undefined ||
      (this.lastError === undefined ? now - this.lastAttemptAt >= this.spotRefreshMs : now - this.lastAttemptAt >= this.retryAfterFailureMs);
    if (due) await this.refreshSpot();
  }

  /**
   * Refreshes spot prices every refresh interval (every failure-retry interval after a failure)
   * until the signal aborts, sleeping on the injected clock. Reads also refresh when due, so this
   * loop only keeps prices fresh between plans.
   */
  async runSpotRefreshLoop(clock: Pick<Clock, 'sleep'>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const ok = await this.refreshSpot();
      if (signal.aborted) return;
      await clock.sleep(ok ? this.spotRefreshMs : this.retryAfterFailureMs);
    }
  }

  /**
   * Fetches current spot prices (the price in effect now for every type and zone). On success
   * the new prices are merged in (pairs EC2 did not report keep their last value); on failure
   * nothing changes and the error is recorded. Concurrent calls share one request.
   */
  refreshSpot(): Promise<boolean> {
    this.inFlight ??= this.doRefreshSpot().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async doRefreshSpot(): Promise<boolean> {
    const startedAt = this.clock.now();
    this.lastAttemptAt = startedAt;
    try {
      const history = await this.api.paginate(
        'DescribeSpotPriceHistory',
        (client, NextToken) =>
          client.send(
            new DescribeSpotPriceHistoryCommand({
              ProductDescriptions: PRODUCT_DESCRIPTIONS,
              // With StartTime = EndTime = now EC2 returns the price in effect now per type and zone.
              StartTime: new Date(startedAt),
              EndTime: new Date(startedAt),
              MaxResults: 1000,
              NextToken,
            }),
          ),
        (page) => page.SpotPriceHistory,
      );
      for (const [key, price] of latestSpotPrices(history)) this.spot.set(key, price);
      this.lastSuccessAt = this.clock.now();
      this.lastError = undefined;
      return true;
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      return false;
    }
  }
}

/** The newest valid price per `type/zone` among history records. */
export function latestSpotPrices(history: readonly SpotPrice[]): Map<string, number> {
  const newest = new Map<string, { at: number; price: number }>();
  for (const record of history) {
    const price = Number(record.SpotPrice);
    if (!record.InstanceType || !record.AvailabilityZone || !isPrice(price)) continue;
    const at = record.Timestamp ? new Date(record.Timestamp).getTime() : 0;
    const key = `${record.InstanceType}/${record.AvailabilityZone}`;
    const seen = newest.get(key);
    if (!seen || at > seen.at) newest.set(key, { at, price });
  }
  return new Map([...newest].map(([key, v]) => [key, v.price]));
}
