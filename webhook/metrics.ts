/**
 * The webhook's Prometheus metrics, written in the text exposition format by hand: three series
 * do not justify a dependency, and this keeps the hot path to a few additions.
 */

/** Upper bounds (seconds) of the latency histogram buckets: the webhook aims at well under 5 ms. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export type AdmissionMetricResult = 'patched' | 'unchanged' | 'skipped' | 'ignored' | 'rejected' | 'error';

export class WebhookMetrics {
  private readonly admissions = new Map<string, number>();
  private readonly bucketCounts = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  private latencyCount = 0;
  private latencySum = 0;
  private patchOperations = 0;
  private patches = 0;
  private warnings = 0;
  private eventFailures = 0;
  private certificateNotAfterSec: number | undefined;

  observeAdmission(result: AdmissionMetricResult, seconds: number, dryRun: boolean): void {
    const key = `${result}|${dryRun}`;
    this.admissions.set(key, (this.admissions.get(key) ?? 0) + 1);
    this.latencyCount++;
    this.latencySum += seconds;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]) {
        this.bucketCounts[i]++;
        break;
      }
    }
  }

  observePatch(operations: number): void {
    if (operations > 0) {
      this.patches++;
      this.patchOperations += operations;
    }
  }

  observeWarnings(count: number): void {
    this.warnings += count;
  }

  observeEventFailure(): void {
    this.eventFailures++;
  }

  setCertificateExpiry(notAfterSec: number): void {
    this.certificateNotAfterSec = notAfterSec;
  }

  /** The Prometheus text format (version 0.0.4). */
  render(): string {
    const lines: string[] = [];
    lines.push('# HELP smartscale_webhook_admissions_total Admission requests answered, by result.');
    lines.push('# TYPE smartscale_webhook_admissions_total counter');
    for (const [key, value] of [...this.admissions].sort()) {
      const [result, dryRun] = key.split('|');
      lines.push(`smartscale_webhook_admissions_total{result="${result}",dry_run="${dryRun}"} ${value}`);
    }
    lines.push('# HELP smartscale_webhook_admission_duration_seconds Time to answer an admission request.');
    lines.push('# TYPE smartscale_webhook_admission_duration_seconds histogram');
    let cumulative = 0;
    LATENCY_BUCKETS.forEach((le, i) => {
      cumulative += this.bucketCounts[i];
      lines.push(`smartscale_webhook_admission_duration_seconds_bucket{le="${le}"} ${cumulative}`);
    });
    lines.push(`smartscale_webhook_admission_duration_seconds_bucket{le="+Inf"} ${this.latencyCount}`);
    lines.push(`smartscale_webhook_admission_duration_seconds_sum ${this.latencySum}`);
    lines.push(`smartscale_webhook_admission_duration_seconds_count ${this.latencyCount}`);
    lines.push('# HELP smartscale_webhook_patches_total Admission responses that carried a JSONPatch.');
    lines.push('# TYPE smartscale_webhook_patches_total counter');
    lines.push(`smartscale_webhook_patches_total ${this.patches}`);
    lines.push('# HELP smartscale_webhook_patch_operations_total JSONPatch operations returned.');
    lines.push('# TYPE smartscale_webhook_patch_operations_total counter');
    lines.push(`smartscale_webhook_patch_operations_total ${this.patchOperations}`);
    lines.push('# HELP smartscale_webhook_warnings_total Warnings returned for ignored annotation values.');
    lines.push('# TYPE smartscale_webhook_warnings_total counter');
    lines.push(`smartscale_webhook_warnings_total ${this.warnings}`);
    lines.push('# HELP smartscale_webhook_event_failures_total Events the recorder failed to write.');
    lines.push('# TYPE smartscale_webhook_event_failures_total counter');
    lines.push(`smartscale_webhook_event_failures_total ${this.eventFailures}`);
    if (this.certificateNotAfterSec !== undefined) {
      lines.push('# HELP smartscale_webhook_certificate_not_after_seconds Expiry of the serving certificate (unix seconds).');
      lines.push('# TYPE smartscale_webhook_certificate_not_after_seconds gauge');
      lines.push(`smartscale_webhook_certificate_not_after_seconds ${this.certificateNotAfterSec}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
