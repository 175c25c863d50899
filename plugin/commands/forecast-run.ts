/** What `kubectl smartscale forecast` runs (forecast.ts declares it; this loads only when it runs). */
import { Annotations, parseForecastAnnotation } from '../../core/model/annotations.js';
import { printableLines } from '../../core/text/printable.js';
import { clusterNow, nowSeconds, warn } from '../cluster/command.js';
import { deploymentView } from '../cluster/deployment-view.js';
import { getOptedInDeployment } from '../cluster/deployments.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { renderForecastChart } from '../render/chart.js';
import { formatNumber, humanDuration } from '../render/format.js';
import { isStructured, renderData } from '../render/output.js';
import { withDeployment } from './deployment-command.js';
import type { ForecastArgs } from './forecast.js';

const MIN_WIDTH = 8;
const MAX_WIDTH = 1000;

export async function runForecast(args: ForecastArgs): Promise<void> {
  // Flags first, before the cluster is asked anything.
  const { width } = args;
  if (width !== undefined && (!Number.isInteger(width) || width < MIN_WIDTH || width > MAX_WIDTH)) {
    throw new CliError(`--width ${width}: must be a whole number of columns from ${MIN_WIDTH} to ${MAX_WIDTH}`, ExitCode.usage);
  }
  // Read, then the session is closed: the chart needs no cluster.
  const { session, deployment, format } = await withDeployment(args, getOptedInDeployment, (context) => context);
  const raw = deployment.metadata.annotations?.[Annotations.forecast];
  const parsed = parseForecastAnnotation(raw);
  const id = `${session.namespace}/${args.deployment}`;
  if (!parsed.value) {
    const why = raw === undefined ? `it has no ${Annotations.forecast} annotation yet (the forecaster writes one after its first step)` : parsed.warnings.join('; ');
    throw new CliError(`no forecast for Deployment ${id}: ${why}`, ExitCode.notFound);
  }
  // A forecast from the future (a sandbox at --speed 600) is drawn from its own generation time.
  const clock = clusterNow(nowSeconds(), parsed.value.generatedAt);
  warn([...parsed.warnings, ...(clock.warning ? [clock.warning] : [])]);
  const now = clock.nowSeconds;
  const view = deploymentView(deployment, 'observe', now);
  const f = parsed.value;
  if (isStructured(format)) {
    process.stdout.write(renderData({ deployment: id, forecast: f, nextPeak: view.forecast?.nextPeak, ageSeconds: view.forecast?.ageSeconds }, format));
    return;
  }
  const columns = width ?? Math.min(90, Math.max(30, (process.stdout.columns || 80) - 10));
  const peak = view.forecast!.nextPeak;
  const header = [
    `Deployment ${id}: model ${f.model}, step ${humanDuration(f.stepSeconds)}, horizon ${humanDuration(f.point.length * f.stepSeconds)}, made ${humanDuration(now - f.generatedAt)} ago${f.stale ? ' (STALE: metrics missing or old)' : ''}`,
    `Observed ${formatNumber(f.observed)} rps; next peak ${formatNumber(peak.rps)} rps (band ${formatNumber(peak.upperRps)} at q${f.quantile}) ${peak.inSeconds >= 0 ? `in ${humanDuration(peak.inSeconds)}` : `${humanDuration(-peak.inSeconds)} ago`}; recent rel-MAE ${f.recentRelMae === undefined ? '-' : f.recentRelMae.toFixed(2)}`,
  ];
  // The model's name is the annotation's, which anyone who can annotate the Deployment writes.
  process.stdout.write(`${printableLines(header.join('\n'))}\n\n${renderForecastChart({ observed: f.observed, point: f.point, upper: f.upper, stepSeconds: f.stepSeconds }, { width: columns })}`);
}
