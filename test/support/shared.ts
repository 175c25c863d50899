/**
 * Locates the read-only data in `../shared/` (traces, the instance catalog) beside the project.
 * It is read from there, never copied in. SMARTSCALE_SHARED_DIR overrides the location.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedDir(): string {
  return process.env.SMARTSCALE_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');
}

export function sharedPath(...parts: string[]): string {
  return join(sharedDir(), ...parts);
}

export function tracePath(name: string): string {
  return sharedPath('traces', name);
}

export function catalogPath(): string {
  return sharedPath('catalog', 'ec2-instance-types.json');
}

export const SHARED_TRACES = [
  'nasa_ksc_jul1995_1min.csv',
  'worldcup98_1min.csv',
  'aws_elb_request_count_5min.csv',
  'azure_functions_2019_sample_1day_1min.csv',
] as const;

export function hasShared(): boolean {
  return existsSync(sharedPath('traces')) && existsSync(catalogPath());
}
