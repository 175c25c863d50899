import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CatalogError, effectiveMaxPods, loadCatalog, loadCatalogSync, parseCatalog } from '../../../../core/cloud/catalog/index.js';
import { Labels } from '../../../../core/model/labels.js';
import { MIB } from '../../../../core/model/quantity.js';
import { catalogPath } from '../../../support/shared.js';

const validEntry = {
  name: 'm5.large',
  family: 'm5',
  vcpu: 2,
  memoryMiB: 8192,
  arch: 'amd64',
  gpu: 0,
  maxPods: 29,
  onDemandUsdPerHour: 0.096,
  category: 'm',
  generation: 5,
  size: 'large',
  allocatableCpuMilli: 1930,
  allocatableMemoryMiB: 6903,
};

function tempFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
  const path = join(dir, 'catalog.json');
  writeFileSync(path, content);
  return path;
}

describe('parseCatalog', () => {
  it.each([
    ['not an array', { a: 1 }, /expected a JSON array/],
    ['empty', [], /empty/],
    ['missing name', [{ ...validEntry, name: '' }], /entry 0: name/],
    ['bad arch', [{ ...validEntry, arch: 'x86' }], /m5.large.*arch/],
    ['negative price', [{ ...validEntry, onDemandUsdPerHour: -1 }], /onDemandUsdPerHour must be a positive number/],
    ['fractional vcpu', [{ ...validEntry, vcpu: 1.5 }], /vcpu must be an integer/],
    ['allocatable above capacity', [{ ...validEntry, allocatableCpuMilli: 5000 }], /exceeds vcpu/],
    ['duplicate', [validEntry, validEntry], /duplicate name/],
  ])('rejects %s with a clear error', (_label, data, message) => {
    expect(() => parseCatalog(data, 'test.json')).toThrowError(CatalogError);
    expect(() => parseCatalog(data, 'test.json')).toThrowError(message);
  });

  it('accepts a valid entry and fills optional fields', () => {
    const [entry] = parseCatalog([validEntry], 'test.json');
    expect(entry).toMatchObject({ name: 'm5.large', vcpu: 2, arch: 'amd64', allocatableMemoryMiB: 6903 });
  });
});

describe('effectiveMaxPods', () => {
  it.each([
    [{ vcpu: 2, maxPods: 29 }, 'eks', 29],
    [{ vcpu: 16, maxPods: 234 }, 'eks', 110],
    [{ vcpu: 64, maxPods: 737 }, 'eks', 250],
    [{ vcpu: 64, maxPods: 737 }, 'eni', 737],
    [{ vcpu: 64, maxPods: 737 }, 50, 50],
  ] as const)('%o with %s → %d', (entry, policy, expected) => {
    expect(effectiveMaxPods(entry, policy)).toBe(expected);
  });
});

describe('loadCatalog', () => {
  it('builtin: 30–60 current m/c/r/t types, both architectures, offerings per zone and capacity type', async () => {
    const types = await loadCatalog('builtin');
    expect(types.length).toBeGreaterThanOrEqual(30);
    expect(types.length).toBeLessThanOrEqual(60);
    expect(new Set(types.map((t) => t.arch))).toEqual(new Set(['amd64', 'arm64']));
    expect(new Set(types.map((t) => t.labels[Labels.instanceCategory]))).toEqual(new Set(['m', 'c', 'r', 't']));
    const m6i = types.find((t) => t.name === 'm6i.large')!;
    expect(m6i.offerings).toHaveLength(6);
    expect(m6i.allocatable.memoryBytes).toBe(6903 * MIB);
    const spot = m6i.offerings.find((o) => o.capacityType === 'spot')!;
    const onDemand = m6i.offerings.find((o) => o.capacityType === 'on-demand')!;
    expect(spot.pricePerHour).toBeCloseTo(onDemand.pricePerHour * 0.4, 6);
  });

  it('applies a configured spot discount, zones and max-pods policy', () => {
    const types = loadCatalogSync('builtin', { spotDiscount: 0.5, zones: ['z1'], maxPods: 'eni' });
    const big = types.find((t) => t.name === 'm6i.4xlarge')!;
    expect(big.offerings.map((o) => o.zone)).toEqual(['z1', 'z1']);
    expect(big.allocatable.pods).toBe(234);
    expect(big.offerings[1].pricePerHour).toBeCloseTo(0.384, 6);
  });

  it('uses a spot price from the file when given', () => {
    const path = tempFile(JSON.stringify([{ ...validEntry, spotUsdPerHour: 0.03 }]));
    const [type] = loadCatalogSync(path);
    expect(type.offerings.filter((o) => o.capacityType === 'spot').every((o) => o.pricePerHour === 0.03)).toBe(true);
  });

  it.each([
    ['missing file', '/nonexistent/catalog.json', /file not found/],
    ['invalid JSON', tempFile('[{'), /not valid JSON/],
  ])('%s is a CatalogError', async (_label, path, message) => {
    await expect(loadCatalog(path)).rejects.toThrowError(message);
  });

  it.skipIf(!existsSync(catalogPath()))('loads the whole shared catalog with EKS max-pods caps', async () => {
    const types = await loadCatalog(catalogPath());
    expect(types).toHaveLength(1345);
    expect(Math.max(...types.map((t) => t.allocatable.pods))).toBe(250);
    const m5 = types.find((t) => t.name === 'm5.large')!;
    expect(m5.allocatable).toMatchObject({ milliCpu: 1930, memoryBytes: 6903 * MIB, pods: 29 });
  });
});
