import { describe, expect, it } from 'vitest';
import { NodeClassError, parseEC2NodeClass } from '../../../../core/cloud/ec2/node-class.js';
import { nodeClassSpec } from './builders.js';

function parse(spec: Record<string, unknown>) {
  return parseEC2NodeClass({ metadata: { name: 'default' }, spec: nodeClassSpec(spec) });
}

describe('parseEC2NodeClass', () => {
  it('reads a Karpenter-like object and fills defaults (IMDSv2, hop limit 1, 20 GiB encrypted gp3 root)', () => {
    const c = parse({});
    expect(c).toMatchObject({
      name: 'default',
      instanceProfile: 'SmartscaleNodeProfile',
      tags: { team: 'platform' },
      metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1, httpProtocolIPv6: 'disabled' },
      blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSizeGiB: 20, volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }],
    });
  });

  it('accepts an AMI id instead of selector terms, sizes with units, and a bare spec with a name', () => {
    const c = parseEC2NodeClass({ name: 'gpu', ...nodeClassSpec({ amiSelectorTerms: undefined, amiId: 'ami-0abc', blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '1Ti', volumeType: 'io2', iops: 3000 } }] }) });
    expect(c.amiSelectorTerms).toEqual([{ id: 'ami-0abc' }]);
    expect(c.blockDeviceMappings[0].ebs).toMatchObject({ volumeSizeGiB: 1024, volumeType: 'io2', iops: 3000 });
    expect(parse({ blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '100G' } }] }).blockDeviceMappings[0].ebs.volumeSizeGiB).toBe(94);
  });

  it.each([
    [{ subnetSelectorTerms: [] }, 'spec.subnetSelectorTerms must be a non-empty list'],
    [{ subnetSelectorTerms: [{}] }, 'spec.subnetSelectorTerms[0] must select by tags, id or name'],
    [{ subnetSelectorTerms: [{ id: 'sg-1' }] }, 'spec.subnetSelectorTerms[0].id must match'],
    [{ subnetSelectorTerms: [{ name: 'x' }] }, 'spec.subnetSelectorTerms[0].name is not a selector field'],
    [{ securityGroupSelectorTerms: [{ id: 'sg-0abc', tags: { a: 'b' } }] }, 'id cannot be combined'],
    [{ amiSelectorTerms: [] }, 'spec.amiSelectorTerms must be a non-empty list (or set spec.amiId)'],
    [{ amiId: 'ami-0abc' }, 'spec.amiId and spec.amiSelectorTerms are mutually exclusive'],
    [{ instanceProfile: undefined }, 'spec must set exactly one of role and instanceProfile'],
    [{ role: 'KarpenterNodeRole' }, 'spec must set exactly one of role and instanceProfile'],
    [{ instanceProfile: 'a b' }, 'spec.instanceProfile must be the name of an IAM instance profile'],
    [{ instanceProfile: undefined, role: 'arn:aws:iam::12:role/x' }, 'spec.role must be an IAM role name or role ARN'],
    [{ amiSelectorTerms: [{ alias: 'bottlerocket@latest' }] }, 'family bottlerocket is not supported (only al2023'],
    [{ amiSelectorTerms: [{ alias: 'al2023' }] }, 'alias must look like al2023@latest'],
    [{ amiSelectorTerms: [{ alias: 'al2023@latest' }, { id: 'ami-0abc' }] }, 'must be the only field of the only term'],
    [{ blockDeviceMappings: [{ deviceName: '/dev/xvda', rootVolume: 'yes', ebs: { volumeSize: '20Gi' } }] }, 'rootVolume must be true or false'],
    [{ tags: { 'smartscale.io/cluster': 'x' } }, 'uses the reserved prefix smartscale.io/'],
    [{ tags: { 'aws:cloudformation:stack': 'x' } }, 'uses the reserved prefix aws:'],
    [{ tags: { a: 1 } }, 'value must be a string'],
    [{ metadataOptions: { httpTokens: 'optional' } }, 'must be "required" (IMDSv2)'],
    [{ metadataOptions: { httpEndpoint: 'disabled' } }, 'nodes need IMDS to join the cluster'],
    [{ metadataOptions: { httpPutResponseHopLimit: 0 } }, 'httpPutResponseHopLimit must be an integer in [1, 64]'],
    [{ blockDeviceMappings: [{ deviceName: 'xvda', ebs: { volumeSize: '20Gi' } }] }, 'deviceName must look like /dev/xvda'],
    [{ blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '20Mi' } }] }, 'volumeSize must be a size such as 20Gi'],
    [{ blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '20Gi', volumeType: 'gp9' } }] }, 'volumeType must be one of'],
    [{ userData: 'x'.repeat(17 * 1024) }, 'spec.userData must be a string of at most 16384 bytes'],
  ])('rejects %j: %s', (spec, message) => {
    expect(() => parse(spec)).toThrowError(NodeClassError);
    expect(() => parse(spec)).toThrowError(message);
  });

  it('reads the repository example (role, AMI alias) and Karpenter spellings', () => {
    const c = parse({ instanceProfile: undefined, role: 'arn:aws:iam::123456789012:role/nodes/SmartscaleNodeRole', amiSelectorTerms: [{ alias: 'al2023@v20250715' }], blockDeviceMappings: [{ deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '20Gi', kmsKeyID: 'arn:aws:kms:us-east-1:123456789012:key/abc', snapshotID: 'snap-0123abcd' } }] });
    expect(c).toMatchObject({ role: 'arn:aws:iam::123456789012:role/nodes/SmartscaleNodeRole', instanceProfile: undefined, amiSelectorTerms: [{ alias: 'al2023@v20250715' }] });
    expect(c.blockDeviceMappings[0].ebs.kmsKeyId).toBe('arn:aws:kms:us-east-1:123456789012:key/abc');
    expect(c.blockDeviceMappings[0].ebs.snapshotId).toBe('snap-0123abcd');
  });

  it('rejects a bad name and a non-object', () => {
    expect(() => parseEC2NodeClass({ metadata: { name: 'Bad_Name' }, spec: nodeClassSpec() })).toThrowError('DNS-1123');
    expect(() => parseEC2NodeClass('nope')).toThrowError('expected an object');
    expect(() => parseEC2NodeClass({ metadata: { name: 'x' } })).toThrowError('spec must be an object');
  });
});
