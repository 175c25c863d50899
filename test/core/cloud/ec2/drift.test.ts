/**
 * Cloud-side drift on EC2 (core/cloud/ec2/drift.ts, `Ec2CloudProvider.driftOf`) against the
 * in-memory EC2: instances launched for real, then the world changes under them — a newer AMI
 * matches the selector, a security group is added, a subnet leaves the selector, the node class's
 * user data is edited.
 */
import { describe, expect, it } from 'vitest';
import { instanceDrift, launchHash, LAUNCH_HASH_VERSION, nodeClassHash, parseLaunchHash, securityGroupsHash } from '../../../../core/cloud/ec2/drift.js';
import type { EC2NodeClass } from '../../../../core/cloud/ec2/node-class.js';
import { Ec2Tags, launchTags, OWN_TAG_COUNT } from '../../../../core/cloud/ec2/tags.js';
import type { ResolvedNodeClass } from '../../../../core/cloud/ec2/network.js';
import type { NodeClaim } from '../../../../core/model/node-claim.js';
import { awsError, InMemoryEc2 } from './fake-ec2.js';
import { claim, harness, nodeClass } from './builders.js';

const DISCOVERY = [{ Key: 'smartscale.io/discovery', Value: 'demo' }];
const NODE_CLASS_TTL_MS = 60_000;

/** A provider over a node class the test can edit, and a launched claim. */
async function launched(classes = new Map<string, EC2NodeClass>([['default', nodeClass()]]), ec2 = new InMemoryEc2()) {
  const h = harness({ ec2, nodeClasses: (name) => classes.get(name) });
  const claims: NodeClaim[] = [];
  for (const name of ['default-aaa01', 'default-aaa02', 'default-aaa03']) claims.push(await h.provider.create(claim({ name })));
  return { ...h, classes, claims, later: () => h.clock.advance(NODE_CLASS_TTL_MS + 1) };
}

describe('nodeClassHash', () => {
  it('is stable: the same node class gives the same value across releases (a change would drift every node on upgrade)', () => {
    expect(nodeClassHash(nodeClass())).toBe('1cd55dfb55474450');
  });

  it('the launch tag: versioned, security groups as a set; another version or garbage is not read', () => {
    const tag = launchHash(nodeClass(), ['sg-2', 'sg-1']);
    expect(tag).toBe(`${LAUNCH_HASH_VERSION}.1cd55dfb55474450.${securityGroupsHash(['sg-1', 'sg-2'])}`);
    expect(parseLaunchHash(tag)).toEqual({ settings: '1cd55dfb55474450', securityGroups: securityGroupsHash(['sg-2', 'sg-1', 'sg-1']) });
    for (const other of [undefined, '', 'v2.1cd55dfb55474450.0123456789ab', 'v1.1cd55dfb55474450', 'v1.XYZ.0123456789ab', '1cd55dfb55474450']) expect(parseLaunchHash(other), String(other)).toBeUndefined();
  });

  it("the largest node class EC2 takes still launches: its tags and smartscale's stay within 50", () => {
    const tags = Object.fromEntries(Array.from({ length: 50 - OWN_TAG_COUNT }, (_, i) => [`k${i}`, 'v']));
    const launched = launchTags('demo', claim(), nodeClass({ tags }), ['sg-0001']);
    expect(launched).toHaveLength(50);
    expect(() => nodeClass({ tags: { ...tags, one: 'more' } })).toThrow(`has more than ${50 - OWN_TAG_COUNT} tags`);
  });

  it('ignores selectors, key order and defaults spelled out; changes with launch settings', () => {
    const base = nodeClassHash(nodeClass());
    expect(nodeClassHash(nodeClass({ amiSelectorTerms: [{ id: 'ami-0123' }], subnetSelectorTerms: [{ id: 'subnet-1' }] }))).toBe(base);
    expect(nodeClassHash(nodeClass({ metadataOptions: { httpPutResponseHopLimit: 1, httpTokens: 'required' } }))).toBe(base);
    expect(nodeClassHash(nodeClass({ tags: { b: '2', a: '1' } }))).toBe(nodeClassHash(nodeClass({ tags: { a: '1', b: '2' } })));
    const disks = [
      { deviceName: '/dev/xvda', ebs: { volumeSize: '20Gi' } },
      { deviceName: '/dev/xvdb', ebs: { volumeSize: '100Gi' } },
    ];
    expect(nodeClassHash(nodeClass({ blockDeviceMappings: [...disks].reverse() }))).toBe(nodeClassHash(nodeClass({ blockDeviceMappings: disks })));
    for (const edit of [
      { userData: 'echo hello' },
      { tags: { team: 'payments' } },
      { instanceProfile: undefined, role: 'NodeRole' },
      { metadataOptions: { httpPutResponseHopLimit: 2 } },
      { blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: '50Gi' } }] },
    ]) {
      expect(nodeClassHash(nodeClass(edit)), JSON.stringify(edit)).not.toBe(base);
    }
  });
});

describe('Ec2CloudProvider.driftOf', () => {
  it('judges every launched claim current while nothing changed', async () => {
    const { provider, claims, ec2 } = await launched();
    const result = await provider.driftOf(claims);
    expect([...result.keys()].sort()).toEqual(['default-aaa01', 'default-aaa02', 'default-aaa03']);
    expect([...result.values()]).toEqual([undefined, undefined, undefined]);
    // Instances carry what drift is judged on (the fake takes it from the launch template, as EC2 does).
    const instance = ec2.liveInstances()[0];
    expect(instance.ImageId).toBe('ami-0a1');
    expect(instance.SecurityGroups?.map((g) => g.GroupId)).toEqual(['sg-0001']);
    expect(instance.Tags?.find((t) => t.Key === Ec2Tags.launchHash)?.Value).toBe(`v1.${nodeClassHash(nodeClass())}.${securityGroupsHash(['sg-0001'])}`);
  });

  it('a newer image matching the selector: ImageDrift, once the node class cache expires', async () => {
    const { provider, claims, ec2, later } = await launched();
    ec2.images.push({ ImageId: 'ami-0a2', Architecture: 'x86_64', CreationDate: '2026-05-01T00:00:00.000Z', State: 'available', Name: 'al2023-x86', Tags: DISCOVERY });
    // Launches and drift share the resolution cache: within its TTL the old answer stands.
    expect((await provider.driftOf(claims)).get('default-aaa01')).toBeUndefined();
    later();
    const drift = (await provider.driftOf(claims)).get('default-aaa01');
    expect(drift).toEqual({ reason: 'ImageDrift', message: 'runs ami-0a1; the node class now selects ami-0a2' });
  });

  it('an older image deregistered changes nothing; the selector pinned to another image drifts', async () => {
    const classes = new Map<string, EC2NodeClass>([['default', nodeClass()]]);
    const { provider, claims, ec2, later } = await launched(classes);
    // An older image going away changes nothing for instances on the newest.
    ec2.images = ec2.images.filter((i) => i.ImageId !== 'ami-0a0');
    later();
    expect((await provider.driftOf(claims)).get('default-aaa02')).toBeUndefined();
    // Pinned back to the older build (a rollback): the newer one is now the drifted one.
    classes.set('default', nodeClass({ amiSelectorTerms: [{ id: 'ami-0a0' }] }));
    ec2.images.push({ ImageId: 'ami-0a0', Architecture: 'x86_64', CreationDate: '2026-01-01T00:00:00.000Z', State: 'available', Name: 'al2023-x86', Tags: DISCOVERY });
    later();
    expect((await provider.driftOf(claims)).get('default-aaa02')).toEqual({ reason: 'ImageDrift', message: 'runs ami-0a1; the node class now selects ami-0a0' });
  });

  it('a security group added to the selection: SecurityGroupDrift; one attached to the instance by someone else is not', async () => {
    const { provider, claims, ec2, later } = await launched();
    // AWS Firewall Manager (or an org policy) attaches its group to every instance.
    for (const i of ec2.liveInstances()) i.SecurityGroups = [...(i.SecurityGroups ?? []), { GroupId: 'sg-0fm', GroupName: 'firewall-manager' }];
    later();
    expect([...(await provider.driftOf(claims)).values()]).toEqual([undefined, undefined, undefined]);
    ec2.securityGroups.push({ GroupId: 'sg-0003', GroupName: 'extra', Tags: DISCOVERY });
    later();
    expect((await provider.driftOf(claims)).get('default-aaa01')).toEqual({
      reason: 'SecurityGroupDrift',
      message: 'was launched with other security groups than the node class selects now (sg-0001, sg-0003)',
    });
  });

  it('an instance without the launch tag (launched before it): drifted only for a selected group it lacks', async () => {
    const { provider, claims, ec2, later } = await launched();
    for (const i of ec2.liveInstances()) i.Tags = i.Tags!.filter((t) => t.Key !== Ec2Tags.launchHash);
    ec2.securityGroups = ec2.securityGroups.filter((g) => g.GroupId !== 'sg-0001');
    ec2.securityGroups.push({ GroupId: 'sg-0003', GroupName: 'replacement', Tags: DISCOVERY });
    later();
    expect((await provider.driftOf(claims)).get('default-aaa01')).toEqual({ reason: 'SecurityGroupDrift', message: 'lacks security group(s) sg-0003 that the node class selects now' });
  });

  it("the instance's subnet no longer selected: SubnetDrift; a full subnet still selected is no drift", async () => {
    const { provider, claims, ec2, later } = await launched();
    const instance = ec2.liveInstances()[0];
    const subnet = ec2.subnets.find((s) => s.SubnetId === instance.SubnetId)!;
    const owner = claims.find((c) => c.status.providerId?.endsWith(instance.InstanceId!))!;
    // Out of addresses: not launched into any more, but the instance in it is as it should be.
    subnet.AvailableIpAddressCount = 0;
    later();
    expect((await provider.driftOf(claims)).get(owner.name)).toBeUndefined();
    subnet.Tags = [];
    later();
    expect((await provider.driftOf(claims)).get(owner.name)).toEqual({ reason: 'SubnetDrift', message: `is in ${subnet.SubnetId}, which the node class's subnetSelectorTerms no longer select` });
  });

  it('an edited node class (user data): NodeClassDrift; instances without the tag, or with another version of it, are not judged on it', async () => {
    const classes = new Map<string, EC2NodeClass>([['default', nodeClass()]]);
    const { provider, claims, ec2 } = await launched(classes);
    const [first, second] = ec2.liveInstances();
    first.Tags = first.Tags!.filter((t) => t.Key !== Ec2Tags.launchHash);
    second.Tags = second.Tags!.map((t) => (t.Key === Ec2Tags.launchHash ? { ...t, Value: t.Value!.replace(/^v1\./, 'v0.') } : t));
    classes.set('default', nodeClass({ userData: 'echo hello' }));
    const result = await provider.driftOf(claims);
    const owner = (id: string) => claims.find((c) => c.status.providerId?.endsWith(id))!.name;
    const unjudged = [owner(first.InstanceId!), owner(second.InstanceId!)];
    for (const name of unjudged) {
      expect(result.has(name)).toBe(true);
      expect(result.get(name)).toBeUndefined();
    }
    const others = claims.filter((c) => !unjudged.includes(c.name)).map((c) => result.get(c.name)?.reason);
    expect(others).toEqual(['NodeClassDrift']);
  });

  it('a new amd64 image leaves arm64 instances current; an architecture with no image selected right now is not judged', async () => {
    const { provider, claims, ec2, later } = await launched();
    const all = [...claims, await provider.create(claim({ name: 'default-arm01', types: ['c7g.large'] }))];
    expect(ec2.liveInstances().map((i) => i.Architecture).sort()).toEqual(['arm64', 'x86_64', 'x86_64', 'x86_64']);
    ec2.images.push({ ImageId: 'ami-0a2', Architecture: 'x86_64', CreationDate: '2026-05-01T00:00:00.000Z', State: 'available', Name: 'al2023-x86', Tags: DISCOVERY });
    later();
    let result = await provider.driftOf(all);
    expect(result.get('default-arm01')).toBeUndefined();
    expect(result.get('default-aaa01')?.reason).toBe('ImageDrift');
    // The arm64 build loses its tag before the next one is tagged: arm64 nodes are left as they are.
    ec2.images = ec2.images.filter((i) => i.Architecture !== 'arm64');
    later();
    result = await provider.driftOf(all);
    expect(result.has('default-arm01')).toBe(true);
    expect(result.get('default-arm01')).toBeUndefined();
    expect(result.get('default-aaa01')?.reason).toBe('ImageDrift');
  });

  it('does not judge what it cannot: a missing or unresolvable node class, an unknown instance, a claim not launched', async () => {
    const classes = new Map<string, EC2NodeClass>([['default', nodeClass()]]);
    const { provider, claims, ec2, later } = await launched(classes);
    const notLaunched = claim({ name: 'default-zzz99' });
    const gone: NodeClaim = { ...claims[0], name: 'default-gone1', status: { ...claims[0].status, providerId: 'aws:///us-east-1a/i-00000000000000fff' } };
    expect([...(await provider.driftOf([...claims, notLaunched, gone])).keys()].sort()).toEqual(['default-aaa01', 'default-aaa02', 'default-aaa03']);
    // Every image deregistered: the class resolves to nothing; nothing is judged (not "all drifted").
    ec2.images = [];
    later();
    expect((await provider.driftOf(claims)).size).toBe(0);
    classes.delete('default');
    expect((await provider.driftOf(claims)).size).toBe(0);
  });

  it('reads every page of instances and rejects on a failing call (the loop retries)', async () => {
    const { provider, claims, ec2 } = await launched();
    ec2.pageSize = 1;
    expect((await provider.driftOf(claims)).size).toBe(3);
    ec2.fail('DescribeInstances', awsError('UnauthorizedOperation', 403));
    await expect(provider.driftOf(claims)).rejects.toThrow();
  });
});
