/**
 * The CSINode a simulated kubelet registers beside its Node, as a real kubelet does when CSI node
 * plugins register with it: one entry per CSI driver the sandbox simulates, with the number of
 * volumes of that driver the node can attach (`allocatable.count`), which kube-scheduler's
 * NodeVolumeLimits filter (and the sandbox scheduler) enforce. Owned by the Node, so it goes with it.
 */
import type { KubeObject } from '../../kube/client.js';
import { EBS_CSI_DRIVER } from '../../model/volume-limits.js';

/** A CSI driver the simulated nodes run. */
export interface SimulatedCsiDriver {
  /** The driver's name, as StorageClasses name it in `provisioner` (`ebs.csi.aws.com`). */
  name: string;
  /** Volumes of this driver a node can attach; undefined: the driver reports no limit. */
  attachLimit?: number;
}

/**
 * The EBS CSI driver with 25 attachments per node: a common count on Nitro instances, most of which
 * have 28 attachment slots shared by EBS volumes (the root volume included), network interfaces and
 * NVMe instance-store volumes.
 */
export const DEFAULT_CSI_DRIVERS: readonly SimulatedCsiDriver[] = [{ name: EBS_CSI_DRIVER, attachLimit: 25 }];

/** The zone key the EBS CSI driver reports as its topology (the same for every simulated driver). */
export const CSI_TOPOLOGY_KEY = 'topology.ebs.csi.aws.com/zone';

/** Throws for a list the API server would refuse in a CSINode: a name missing or repeated, a limit that is not an integer ≥ 0. */
export function checkCsiDrivers(drivers: readonly SimulatedCsiDriver[]): void {
  const seen = new Set<string>();
  for (const d of drivers) {
    if (typeof d.name !== 'string' || d.name === '') throw new Error('csiDrivers: every driver needs a name');
    if (seen.has(d.name)) throw new Error(`csiDrivers: driver ${d.name} is listed twice`);
    seen.add(d.name);
    if (d.attachLimit !== undefined && !(Number.isSafeInteger(d.attachLimit) && d.attachLimit >= 0)) {
      throw new Error(`csiDrivers: ${d.name}'s attachLimit must be an integer ≥ 0 (got ${d.attachLimit})`);
    }
  }
}

/** The node's CSINode: same name, owned by the Node (by UID), one entry per driver. */
export function csiNodeFor(node: KubeObject, drivers: readonly SimulatedCsiDriver[]): KubeObject {
  const name = node.metadata.name!;
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'CSINode',
    metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid! }] },
    spec: {
      drivers: drivers.map((d) => ({
        name: d.name,
        nodeID: name,
        topologyKeys: [CSI_TOPOLOGY_KEY],
        ...(d.attachLimit !== undefined ? { allocatable: { count: d.attachLimit } } : {}),
      })),
    },
  };
}
