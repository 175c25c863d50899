import { describe, expect, it } from 'vitest';
import { kubeletSettableLabel, labelsPinnedBy, renderUserData } from '../../../../core/cloud/ec2/user-data.js';
import { CLUSTER } from './builders.js';

describe('user data', () => {
  it('renders a nodeadm NodeConfig with labels and taints, then the node class part', () => {
    const text = renderUserData({
      cluster: CLUSTER,
      labels: { 'karpenter.sh/nodepool': 'default', 'kubernetes.io/hostname': 'no', team: 'a b' },
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'startup', effect: 'NoExecute' }],
      extra: '#!/bin/bash\necho hi',
    });
    expect(text).toBe(
      [
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="//"',
        '',
        '--//',
        'Content-Type: application/node.eks.aws',
        '',
        '---',
        'apiVersion: node.eks.aws/v1alpha1',
        'kind: NodeConfig',
        'spec:',
        '  cluster:',
        '    name: "demo"',
        '    apiServerEndpoint: "https://ABCDEF.gr7.us-east-1.eks.amazonaws.com"',
        '    certificateAuthority: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"',
        '    cidr: "10.100.0.0/16"',
        '  kubelet:',
        '    flags:',
        '      - "--node-labels=karpenter.sh/nodepool=default,team=a b"',
        '      - "--register-with-taints=dedicated=gpu:NoSchedule,startup:NoExecute"',
        '',
        '--//',
        'Content-Type: text/x-shellscript; charset="us-ascii"',
        '',
        '#!/bin/bash',
        'echo hi',
        '',
        '--//--',
        '',
      ].join('\n'),
    );
  });

  it('types the node class part by its first line', () => {
    expect(renderUserData({ cluster: CLUSTER, labels: {}, taints: [], extra: '#cloud-config\nruncmd: []' })).toContain('Content-Type: text/cloud-config');
    expect(renderUserData({ cluster: CLUSTER, labels: {}, taints: [], extra: 'apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig' })).toMatch(/--\/\/\nContent-Type: application\/node.eks.aws\n\napiVersion/);
    expect(renderUserData({ cluster: CLUSTER, labels: {}, taints: [] })).toContain('    flags: []');
  });

  it.each([
    ['team', true],
    ['karpenter.sh/nodepool', true],
    ['node.kubernetes.io/instance-type', true],
    ['kubernetes.io/hostname', false],
    ['node-role.kubernetes.io/worker', false],
    ['example.k8s.io/x', false],
  ])('kubelet may set %s: %s', (key, ok) => {
    expect(kubeletSettableLabel(key)).toBe(ok);
  });

  it('labels the requirements pin to one value become kubelet labels; open ones do not', () => {
    expect(
      labelsPinnedBy([
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['t3.medium', 'm6i.large'] },
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m6i.large', 'r6i.large'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1a', 'us-east-1b'] },
        { key: 'team', operator: 'In', values: ['a'] },
        { key: 'team', operator: 'NotIn', values: ['a'] },
        { key: 'kubernetes.io/arch', operator: 'Exists' },
      ]),
    ).toEqual({ 'karpenter.sh/capacity-type': 'on-demand', 'node.kubernetes.io/instance-type': 'm6i.large' });
  });
});
