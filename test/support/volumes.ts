/** PersistentVolume and PersistentVolumeClaim objects for volume-topology tests (sandbox and controller). */
import type { KubeObject } from '../../core/kube/client.js';

/** An EBS CSI volume of 10 GiB that can only be attached in `zone`. */
export function zonalVolume(name: string, zone: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name },
    spec: {
      capacity: { storage: '10Gi' },
      accessModes: ['ReadWriteOnce'],
      csi: { driver: 'ebs.csi.aws.com', volumeHandle: `vol-${name}` },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'topology.ebs.csi.aws.com/zone', operator: 'In', values: [zone] }] }] } },
    },
  };
}

/** A 10 GiB ReadWriteOnce claim in `default`, with `spec` on top (volumeName, storageClassName). */
export function volumeClaim(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, ...spec },
  };
}
