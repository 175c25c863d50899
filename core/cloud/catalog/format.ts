/**
 * The instance catalog file format (the one of `../shared/catalog/ec2-instance-types.json`):
 * a JSON array of entries, one per instance type. Parsing validates every field and names the
 * entry and field that is wrong, so a bad `--catalog FILE` is a clear error, not a crash later.
 */

export interface CatalogEntry {
  readonly name: string;
  readonly family: string;
  readonly vcpu: number;
  readonly memoryMiB: number;
  readonly arch: 'amd64' | 'arm64';
  readonly gpu: number;
  /** The raw ENI limit; the EKS-style cap is applied when offerings are built. */
  readonly maxPods: number;
  readonly onDemandUsdPerHour: number;
  readonly category: string;
  readonly generation: number;
  readonly size: string;
  readonly hypervisor?: string;
  readonly cpuManufacturer?: string;
  /** CPU pods can use, after kube-reserved (millicores). */
  readonly allocatableCpuMilli: number;
  /** Memory pods can use, after VM overhead, kube-reserved and the eviction threshold (MiB). */
  readonly allocatableMemoryMiB: number;
  /** Known spot price, if the file has one (the shared file does not). */
  readonly spotUsdPerHour?: number;
}

export class CatalogError extends Error {
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`catalog ${source}: ${message}`);
    this.name = 'CatalogError';
  }
}

const MAX_ENTRIES = 20_000;

function fail(source: string, where: string, message: string): never {
  throw new CatalogError(source, `${where}: ${message}`);
}

/** Validates parsed JSON as a catalog; `source` names the file in errors. */
export function parseCatalog(data: unknown, source: string): CatalogEntry[] {
  if (!Array.isArray(data)) fail(source, 'top level', 'expected a JSON array of instance types');
  if (data.length === 0) fail(source, 'top level', 'the catalog is empty');
  if (data.length > MAX_ENTRIES) fail(source, 'top level', `too many entries (${data.length} > ${MAX_ENTRIES})`);
  const seen = new Set<string>();
  return data.map((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(source, `entry ${index}`, 'expected an object');
    const r = raw as Record<string, unknown>;
    const name = typeof r.name === 'string' && r.name.length > 0 ? r.name : fail(source, `entry ${index}`, 'name must be a non-empty string');
    const where = `entry ${index} (${name})`;
    if (seen.has(name)) fail(source, where, 'duplicate name');
    seen.add(name);
    const str = (field: string, fallback?: string): string => {
      const v = r[field];
      if (v === undefined && fallback !== undefined) return fallback;
      if (typeof v !== 'string' || v.length === 0) fail(source, where, `${field} must be a non-empty string`);
      return v;
    };
    const int = (field: string, min: number, optional = false): number => {
      const v = r[field];
      if (v === undefined && optional) return Number.NaN;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(source, where, `${field} must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
      return v;
    };
    const price = (field: string, optional: boolean): number | undefined => {
      const v = r[field];
      if (v === undefined && optional) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(source, where, `${field} must be a positive number, got ${JSON.stringify(v)}`);
      return v;
    };
    const arch = r.arch;
    if (arch !== 'amd64' && arch !== 'arm64') fail(source, where, `arch must be "amd64" or "arm64", got ${JSON.stringify(arch)}`);
    const family = str('family', name.split('.')[0]);
    const vcpu = int('vcpu', 1);
    const memoryMiB = int('memoryMiB', 1);
    const allocatableCpuMilli = int('allocatableCpuMilli', 0);
    const allocatableMemoryMiB = int('allocatableMemoryMiB', 0);
    if (allocatableCpuMilli > vcpu * 1000) fail(source, where, `allocatableCpuMilli ${allocatableCpuMilli} exceeds vcpu × 1000`);
    if (allocatableMemoryMiB > memoryMiB) fail(source, where, `allocatableMemoryMiB ${allocatableMemoryMiB} exceeds memoryMiB`);
    const generation = r.generation === undefined ? 0 : int('generation', 0);
    const entry: CatalogEntry = {
      name,
      family,
      vcpu,
      memoryMiB,
      arch,
      gpu: r.gpu === undefined ? 0 : int('gpu', 0),
      maxPods: int('maxPods', 1),
      onDemandUsdPerHour: price('onDemandUsdPerHour', false)!,
      category: str('category', family.replace(/[^a-z-].*$/, '')),
      generation,
      size: str('size', name.split('.')[1] ?? 'unknown'),
      hypervisor: r.hypervisor === undefined ? undefined : str('hypervisor'),
      cpuManufacturer: r.cpuManufacturer === undefined ? undefined : str('cpuManufacturer'),
      allocatableCpuMilli,
      allocatableMemoryMiB,
      spotUsdPerHour: price('spotUsdPerHour', true),
    };
    return entry;
  });
}
