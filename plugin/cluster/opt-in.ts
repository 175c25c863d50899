/**
 * The opt-in annotations `enable` writes and `disable` removes, validated with the same rules the
 * webhook applies (parseDeploymentSettings), so a flag the webhook would ignore is refused here.
 *
 * `disable` removes the opt-in and everything smartscale wrote (forecast, target and peak replicas,
 * capacity) so the provisioner stops reserving capacity for it; the user's own settings (bounds,
 * rps per pod, latency objective, mode, query) stay, so `enable` later restores the same behaviour.
 * `--purge` removes those as well. spec.replicas is left as it is.
 */
import { Annotations, isMode, parseDeploymentSettings } from '../../core/model/annotations.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { AnnotationChanges } from './annotate.js';

export interface EnableFlags {
  min?: number;
  max?: number;
  targetRpsPerPod?: number;
  latencySloMs?: number;
  mode?: string;
}

function numberText(flag: string, value: number | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new CliError(`--${flag}: expected a number`, ExitCode.usage);
  return String(value);
}

/** The annotations to set for `enable`; throws a usage error for a value the webhook would ignore. */
export function enableChanges(current: Record<string, string> | undefined, flags: EnableFlags): AnnotationChanges {
  const changes: AnnotationChanges = { [Annotations.enabled]: 'true' };
  const set = (key: string, text: string | undefined) => {
    if (text !== undefined) changes[key] = text;
  };
  set(Annotations.minReplicas, numberText('min', flags.min));
  set(Annotations.maxReplicas, numberText('max', flags.max));
  set(Annotations.targetRpsPerPod, numberText('target-rps-per-pod', flags.targetRpsPerPod));
  set(Annotations.latencySloMs, numberText('latency-slo-ms', flags.latencySloMs));
  if (flags.mode !== undefined) {
    if (!isMode(flags.mode)) throw new CliError(`--mode ${JSON.stringify(flags.mode)}: expected observe or optimize`, ExitCode.usage);
    changes[Annotations.mode] = flags.mode;
  }
  // Validate the annotations as they will be after the patch (existing bounds included).
  const after: Record<string, string> = { ...(current ?? {}) };
  for (const [k, v] of Object.entries(changes)) if (v !== null) after[k] = v;
  const { warnings } = parseDeploymentSettings(after);
  const flagNames: Record<string, string> = {
    [Annotations.minReplicas]: '--min',
    [Annotations.maxReplicas]: '--max',
    [Annotations.targetRpsPerPod]: '--target-rps-per-pod',
    [Annotations.latencySloMs]: '--latency-slo-ms',
  };
  // A warning is about a key being set when it names that key's value (`key=…`, `key ignored`):
  // not when the key is only a prefix of another one (an unknown `smartscale.io/enabled-old`).
  const aboutKey = (w: string, key: string) => w.includes(`${key}=`) || w.includes(`${key} `);
  const relevant = warnings.filter((w) => Object.keys(changes).some((key) => aboutKey(w, key)));
  if (relevant.length > 0) {
    // The webhook's wording says what it would ignore; here the value is refused instead.
    const first = relevant[0].replace(/: both ignored$/, '').replace(' ignored: ', ': ');
    const flag = Object.entries(flagNames).find(([key]) => first.startsWith(key))?.[1];
    throw new CliError(flag ? `${flag}: ${first}` : first, ExitCode.usage);
  }
  return changes;
}

export const SMARTSCALE_WRITTEN = [Annotations.forecast, Annotations.targetReplicas, Annotations.peakReplicas, Annotations.capacity, Annotations.decision, Annotations.replicasOwner] as const;
export const USER_SETTINGS = [Annotations.mode, Annotations.minReplicas, Annotations.maxReplicas, Annotations.targetRpsPerPod, Annotations.latencySloMs, Annotations.rpsQuery, Annotations.targetUtilization] as const;

export function disableChanges(current: Record<string, string> | undefined, purge: boolean): AnnotationChanges {
  const keys: string[] = [Annotations.enabled, ...SMARTSCALE_WRITTEN, ...(purge ? USER_SETTINGS : [])];
  const changes: AnnotationChanges = {};
  for (const key of keys) if (current?.[key] !== undefined) changes[key] = null;
  return changes;
}
