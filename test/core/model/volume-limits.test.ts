import { describe, expect, it } from 'vitest';
import { attachedByDriver, csiNodeLimits, exceededDriver, podAttachedVolumes, volumeRoom } from '../../../core/model/volume-limits.js';
import { volumeLookupFrom } from '../../../core/model/volume-topology.js';

const claim = (name: string, spec: Record<string, unknown>) => ({ metadata: { namespace: 'shop', name }, spec });
const lookup = volumeLookupFrom({
  claims: [
    claim('data-db-0', { volumeName: 'pv-1' }),
    claim('data-db-1', { storageClassName: 'gp3' }),
    claim('legacy', { volumeName: 'pv-legacy' }),
    claim('nfs', { volumeName: 'pv-nfs' }),
    claim('defaulted', {}),
    claim('db-0-scratch', { storageClassName: 'gp3' }),
    claim('on-gp2', { storageClassName: 'gp2' }),
    claim('gce', { volumeName: 'pv-gce' }),
  ],
  volumes: [
    { metadata: { name: 'pv-1' }, spec: { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0a1' } } },
    { metadata: { name: 'pv-legacy' }, spec: { awsElasticBlockStore: { volumeID: 'vol-0old' } } },
    { metadata: { name: 'pv-nfs' }, spec: { nfs: { server: 'x', path: '/' } } },
    { metadata: { name: 'pv-gce' }, spec: { gcePersistentDisk: { pdName: 'disk-1' } } },
  ],
  storageClasses: [
    { metadata: { name: 'gp3' }, provisioner: 'ebs.csi.aws.com', volumeBindingMode: 'WaitForFirstConsumer' },
    { metadata: { name: 'gp2' }, provisioner: 'kubernetes.io/aws-ebs', volumeBindingMode: 'WaitForFirstConsumer' },
    { metadata: { name: 'efs', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'efs.csi.aws.com' },
  ],
});
const spec = (...volumes: Record<string, unknown>[]) => ({ containers: [], volumes });
const pvc = (name: string, claimName: string) => ({ name, persistentVolumeClaim: { claimName } });

describe('podAttachedVolumes', () => {
  it('bound claims: the volume’s CSI driver and handle; in-tree EBS as the EBS CSI driver; non-CSI volumes nothing', () => {
    expect(podAttachedVolumes('shop', 'db-0', spec(pvc('data', 'data-db-0'), pvc('old', 'legacy'), pvc('n', 'nfs'), { name: 'tmp', emptyDir: {} }), lookup)).toEqual([
      { driver: 'ebs.csi.aws.com', id: 'vol-0a1' },
      { driver: 'ebs.csi.aws.com', id: 'vol-0old' },
    ]);
  });

  it('unbound claims: the class’s provisioner (the default class when none is named), the claim as the volume to be made', () => {
    expect(podAttachedVolumes('shop', 'db-1', spec(pvc('data', 'data-db-1'), pvc('d', 'defaulted')), lookup)).toEqual([
      { driver: 'ebs.csi.aws.com', id: 'claim:shop/data-db-1' },
      { driver: 'efs.csi.aws.com', id: 'claim:shop/defaulted' },
    ]);
  });

  it('generic ephemeral volumes: the pod’s own claim; in a template, a new volume of its class; the same claim twice counts once; missing claims nothing', () => {
    const eph = { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { storageClassName: 'gp3' } } } };
    expect(podAttachedVolumes('shop', 'db-0', spec(eph), lookup)).toEqual([{ driver: 'ebs.csi.aws.com', id: 'claim:shop/db-0-scratch' }]);
    expect(podAttachedVolumes('shop', 'web-predicted-3', spec(eph), lookup, true)).toEqual([{ driver: 'ebs.csi.aws.com', id: 'claim:shop/web-predicted-3-scratch' }]);
    expect(podAttachedVolumes('shop', 'db-0', spec(pvc('a', 'data-db-0'), pvc('b', 'data-db-0'), pvc('c', 'missing')), lookup)).toHaveLength(1);
    expect(podAttachedVolumes('shop', 'db-0', { containers: [] }, lookup)).toEqual([]);
  });
});

describe('in-tree volumes (CSI migration)', () => {
  it('an in-tree provisioner (EKS’s default gp2 class) and in-tree volume sources count for the CSI driver they migrated to', () => {
    expect(podAttachedVolumes('shop', 'db-2', spec(pvc('data', 'on-gp2'), pvc('g', 'gce')), lookup)).toEqual([
      { driver: 'ebs.csi.aws.com', id: 'claim:shop/on-gp2' },
      { driver: 'pd.csi.storage.gke.io', id: 'disk-1' },
    ]);
  });
});

describe('attach limits', () => {
  const csiNode = { spec: { drivers: [{ name: 'ebs.csi.aws.com', allocatable: { count: 3 } }, { name: 'efs.csi.aws.com' }, { name: 'bad', allocatable: { count: -1 } }] } };
  const limits = csiNodeLimits(csiNode);
  it('a CSINode’s counts: drivers without a (valid) count have no limit', () => {
    expect(limits).toEqual(new Map([['ebs.csi.aws.com', 3]]));
    expect(csiNodeLimits(undefined)).toEqual(new Map());
  });

  it('distinct volumes per driver; a pod exceeds a limit only with volumes the node does not attach yet', () => {
    const attached = attachedByDriver([[{ driver: 'ebs.csi.aws.com', id: 'v1' }], [{ driver: 'ebs.csi.aws.com', id: 'v1' }, { driver: 'ebs.csi.aws.com', id: 'v2' }]]);
    expect(attached.get('ebs.csi.aws.com')).toEqual(new Set(['v1', 'v2']));
    expect(volumeRoom(attached, limits)).toEqual({ 'ebs.csi.aws.com': 1 });
    expect(exceededDriver([{ driver: 'ebs.csi.aws.com', id: 'v3' }], attached, limits)).toBeUndefined();
    expect(exceededDriver([{ driver: 'ebs.csi.aws.com', id: 'v3' }, { driver: 'ebs.csi.aws.com', id: 'v4' }], attached, limits)).toBe('ebs.csi.aws.com');
    expect(exceededDriver([{ driver: 'ebs.csi.aws.com', id: 'v1' }, { driver: 'ebs.csi.aws.com', id: 'v2' }, { driver: 'ebs.csi.aws.com', id: 'v3' }], attached, limits)).toBeUndefined();
    expect(exceededDriver([{ driver: 'efs.csi.aws.com', id: 'fs' }], attached, limits)).toBeUndefined();
  });
});
