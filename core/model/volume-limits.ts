/**
 * Volume attach limits, as kube-scheduler's NodeVolumeLimits plugin checks them: a node attaches at
 * most so many volumes of each CSI driver (an EC2 Nitro instance: about 25–27 EBS volumes, fewer
 * with more network interfaces), the count its CSINode object reports per driver
 * (`spec.drivers[].allocatable.count`). A pod whose volumes would take a node over a driver's
 * count stays pending there ("node(s) exceed max volume count"); a planner that counted only CPU and
 * memory would see room on that node, launch nothing, and the pod would wait forever.
 *
 * Per volume that names a PersistentVolumeClaim (or a generic ephemeral volume's claim
 * `<pod>-<volume>`): bound — the PersistentVolume's CSI driver and volume handle (an in-tree
 * `awsElasticBlockStore` volume counts for `ebs.csi.aws.com`, and so on, as CSI migration makes it);
 * unbound — its StorageClass's provisioner, an in-tree one (EKS's default `gp2` class:
 * `kubernetes.io/aws-ebs`) as the CSI driver it migrated to, and the claim as the volume to be made. A pod template's ephemeral
 * volumes (predicted pods) are new volumes of their class's provisioner. Volumes that are not claims
 * (emptyDir, configMap, …) attach nothing. Pure: the lookups are the caller's.
 */
import { claimClass, type VolumeLookup } from './volume-topology.js';

type Obj = Record<string, any>;

/** One volume a pod attaches: its CSI driver and an ID unique to the volume. */
export interface AttachedVolume {
  readonly driver: string;
  readonly id: string;
}

/** The driver in-tree EBS volumes are counted for (CSI migration). */
export const EBS_CSI_DRIVER = 'ebs.csi.aws.com';

/**
 * In-tree provisioners and PersistentVolume sources → the CSI driver CSI migration hands them to
 * (kube-scheduler counts them against that driver's limit).
 */
const IN_TREE_PROVISIONERS: Readonly<Record<string, string>> = {
  'kubernetes.io/aws-ebs': EBS_CSI_DRIVER,
  'kubernetes.io/gce-pd': 'pd.csi.storage.gke.io',
  'kubernetes.io/azure-disk': 'disk.csi.azure.com',
  'kubernetes.io/cinder': 'cinder.csi.openstack.org',
};
const IN_TREE_SOURCES: ReadonlyArray<readonly [source: string, idField: string, driver: string]> = [
  ['awsElasticBlockStore', 'volumeID', EBS_CSI_DRIVER],
  ['gcePersistentDisk', 'pdName', 'pd.csi.storage.gke.io'],
  ['azureDisk', 'diskURI', 'disk.csi.azure.com'],
  ['cinder', 'volumeID', 'cinder.csi.openstack.org'],
];

function asRecord(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/** A bound volume's driver and ID; undefined when it is not a CSI (or migrated EBS) volume. */
function fromPersistentVolume(pv: Obj): AttachedVolume | undefined {
  const csi = asRecord(pv.spec?.csi);
  if (typeof csi?.driver === 'string' && csi.driver !== '') return { driver: csi.driver, id: typeof csi.volumeHandle === 'string' && csi.volumeHandle !== '' ? csi.volumeHandle : `pv:${pv.metadata?.name}` };
  for (const [source, idField, driver] of IN_TREE_SOURCES) {
    const id = asRecord(pv.spec?.[source])?.[idField];
    if (typeof id === 'string' && id !== '') return { driver, id };
  }
  return undefined;
}

/** The class's provisioner, for a volume still to be made. */
function fromClass(claimSpec: Obj | undefined, lookup: VolumeLookup, id: string): AttachedVolume | undefined {
  const cls = claimClass(claimSpec, lookup, id);
  const provisioner = 'sc' in cls ? cls.sc.provisioner : undefined;
  if (typeof provisioner !== 'string' || provisioner === '') return undefined;
  return { driver: Object.hasOwn(IN_TREE_PROVISIONERS, provisioner) ? IN_TREE_PROVISIONERS[provisioner] : provisioner, id };
}

/**
 * The volumes a pod attaches, each once. `template`: `spec` is a pod template (predicted pods), whose
 * ephemeral volumes do not exist yet. Claims, volumes or classes that cannot be found attach
 * nothing here (volume topology reports them: such a pod is not planned).
 */
export function podAttachedVolumes(namespace: string, podName: string, spec: unknown, lookup: VolumeLookup, template = false): AttachedVolume[] {
  const volumes = asRecord(spec)?.volumes;
  if (!Array.isArray(volumes) || volumes.length === 0) return [];
  const out = new Map<string, AttachedVolume>();
  for (const v of volumes) {
    const volume = asRecord(v);
    if (!volume) continue;
    const vname = typeof volume.name === 'string' ? volume.name : '';
    const ephemeral = asRecord(asRecord(volume.ephemeral)?.volumeClaimTemplate);
    let found: AttachedVolume | undefined;
    if (ephemeral && template) found = fromClass(asRecord(ephemeral.spec), lookup, `claim:${namespace}/${podName}-${vname}`);
    else {
      const claimName = typeof asRecord(volume.persistentVolumeClaim)?.claimName === 'string' ? (volume.persistentVolumeClaim.claimName as string) : ephemeral ? `${podName}-${vname}` : undefined;
      const claim = claimName === undefined ? undefined : lookup.claim(namespace, claimName);
      if (!claim) continue;
      const bound = claim.spec?.volumeName;
      if (typeof bound === 'string' && bound !== '') {
        const pv = lookup.volume(bound);
        found = pv ? fromPersistentVolume(pv) : undefined;
      } else found = fromClass(asRecord(claim.spec), lookup, `claim:${namespace}/${claimName}`);
    }
    if (found) out.set(`${found.driver}\u0000${found.id}`, found);
  }
  return [...out.values()];
}

/**
 * A CSINode's attach limits: driver → count (a driver that reports no count has no limit). A count
 * of 0 is kept (kube-scheduler honours it: no volume of that driver there).
 */
export function csiNodeLimits(csiNode: unknown): Map<string, number> {
  const limits = new Map<string, number>();
  const drivers = asRecord(asRecord(csiNode)?.spec)?.drivers;
  for (const d of Array.isArray(drivers) ? drivers : []) {
    const count = asRecord(asRecord(d)?.allocatable)?.count;
    if (typeof d?.name === 'string' && Number.isSafeInteger(count) && count >= 0) limits.set(d.name, count);
  }
  return limits;
}

/** Per driver, the distinct volumes the pods attach. */
export function attachedByDriver(pods: Iterable<readonly AttachedVolume[]>): Map<string, Set<string>> {
  const byDriver = new Map<string, Set<string>>();
  for (const volumes of pods) {
    for (const v of volumes) {
      let ids = byDriver.get(v.driver);
      if (!ids) byDriver.set(v.driver, (ids = new Set()));
      ids.add(v.id);
    }
  }
  return byDriver;
}

/**
 * The first driver whose limit the pod's volumes would exceed on a node (undefined: they fit). A
 * volume the node attaches already costs nothing more.
 */
export function exceededDriver(volumes: readonly AttachedVolume[], attached: ReadonlyMap<string, ReadonlySet<string>>, limits: ReadonlyMap<string, number>): string | undefined {
  const added = new Map<string, number>();
  for (const v of volumes) {
    if (!limits.has(v.driver) || attached.get(v.driver)?.has(v.id)) continue;
    added.set(v.driver, (added.get(v.driver) ?? 0) + 1);
  }
  for (const [driver, n] of [...added].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if ((attached.get(driver)?.size ?? 0) + n > limits.get(driver)!) return driver;
  }
  return undefined;
}

/** Per driver with a limit, how many more volumes the node can attach (never below 0). */
export function volumeRoom(attached: ReadonlyMap<string, ReadonlySet<string>>, limits: ReadonlyMap<string, number>): Record<string, number> {
  const room: Record<string, number> = {};
  for (const [driver, limit] of limits) room[driver] = Math.max(0, limit - (attached.get(driver)?.size ?? 0));
  return room;
}
