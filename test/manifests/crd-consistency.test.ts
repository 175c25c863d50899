/**
 * The CRD schemas and the parsers agree: what a parser refuses, the API server refuses first
 * wherever a schema (or a CEL rule) can say it, so a user learns it from `kubectl apply` rather than
 * from an Event minutes later. Each case is a bad object; it is refused by the schema, or only by
 * the parser for a reason stated here (a schema cannot read cron, count bytes, …). The examples
 * pass both.
 */
import { describe, expect, it } from 'vitest';
import { parseEC2NodeClass } from '../../core/cloud/ec2/node-class.js';
import { parseNodePoolResource } from '../../core/model/custom-resources/node-pool.js';
import { loadManifest, type Doc } from './load.js';
import { crdSchema, validateSchema } from './schema.js';

type Edit = (o: Doc) => void;
/**
 * `schema`: both refuse it, the schema first; `cel: <path>: <message>`: a CEL rule the sandbox subset
 * cannot run covers it; `parser only: why`: a gap no schema can close; `schema only: why`: the
 * schema is stricter than the parser, by design.
 */
type Who = 'schema' | `cel: ${string}` | `parser only: ${string}` | `schema only: ${string}`;

function check(schema: Doc, example: Doc, parserRefuses: (o: unknown) => boolean, edit: Edit, who: Who): void {
  const object = structuredClone(example);
  edit(object);
  const checked = validateSchema(schema, object);
  if (who.startsWith('schema only: ')) {
    expect(checked.errors).not.toEqual([]);
    expect(parserRefuses(object)).toBe(false);
    return;
  }
  // On a cluster whose schema was edited, the parser is the only line: it refuses the raw object too.
  expect(parserRefuses(object)).toBe(true);
  if (who === 'schema') {
    expect(checked.errors).not.toEqual([]);
  } else if (who.startsWith('cel: ')) {
    expect(checked.errors).toEqual([]);
    expect(checked.unevaluated).toContain(who.slice(5));
    expect(parserRefuses(checked.value)).toBe(true);
  } else {
    // A gap the schema cannot close: the stored object reaches the parser, which refuses it.
    expect(checked.errors).toEqual([]);
    expect(parserRefuses(checked.value)).toBe(true);
  }
}

describe('NodePool', () => {
  const schema = crdSchema(loadManifest('crds/nodepools.yaml')[0]);
  const [example] = loadManifest('examples/nodepool.yaml');
  const refuses = (o: unknown) => parseNodePoolResource(o).nodePool === undefined;
  const requirement = (r: Doc): Edit => (o) => (o.spec.template.spec.requirements = [r]);

  it('accepts the example in both', () => {
    const checked = validateSchema(schema, example);
    expect(checked.errors).toEqual([]);
    expect(parseNodePoolResource(checked.value).errors).toEqual([]);
  });

  it.each<[string, Edit, Who]>([
    ['weight 101', (o) => (o.spec.weight = 101), 'schema'],
    ['weight 1.5', (o) => (o.spec.weight = 1.5), 'schema'],
    ['weight "10"', (o) => (o.spec.weight = '10'), 'schema'],
    ['cpu limit "-4"', (o) => (o.spec.limits.cpu = '-4'), 'schema'],
    ['cpu limit "lots"', (o) => (o.spec.limits.cpu = 'lots'), 'schema'],
    ['cpu limit 1.5 (a number)', (o) => (o.spec.limits.cpu = 1.5), 'schema only: int-or-string takes whole numbers; the parser reads 1.5 as 1500m'],
    ['memory limit "1.5Gb"', (o) => (o.spec.limits.memory = '1.5Gb'), 'schema'],
    ['gpu limit "two"', (o) => (o.spec.limits['nvidia.com/gpu'] = 'two'), 'schema'],
    ['nodes limit "1e3"', (o) => (o.spec.limits.nodes = '1e3'), 'schema'],
    ['nodes limit "0.5" (rounding up would loosen it)', (o) => (o.spec.limits.nodes = '0.5'), 'schema'],
    ['nodes limit 2.5 (a number)', (o) => (o.spec.limits.nodes = 2.5), 'schema'],
    ['gpu limit "1.5"', (o) => (o.spec.limits['nvidia.com/gpu'] = '1.5'), 'schema'],
    ['a taint value that is a number', (o) => (o.spec.template.spec.taints = [{ key: 'a', value: 1, effect: 'NoSchedule' }]), 'schema'],
    ['expireAfter "0s" (every node expires at once)', (o) => (o.spec.template.spec.expireAfter = '0s'), 'schema'],
    ['expireAfter "0h0m"', (o) => (o.spec.template.spec.expireAfter = '0h0m'), 'schema'],
    ['expireAfter "360h360h" (a repeated unit)', (o) => (o.spec.template.spec.expireAfter = '360h360h'), 'schema'],
    ['consolidateAfter "30s1m" (units out of order)', (o) => (o.spec.disruption.consolidateAfter = '30s1m'), 'schema'],
    ['budget duration "4h4h"', (o) => (o.spec.disruption.budgets = [{ nodes: '1', schedule: '0 9 * * *', duration: '4h4h' }]), 'schema'],
    ['nodes limit -3 (an integer)', (o) => (o.spec.limits.nodes = -3), 'parser only: a pattern applies to strings only; int-or-string cannot bound integers here'],
    ['cpu limit of 40 digits', (o) => (o.spec.limits.cpu = '9'.repeat(40)), 'parser only: a quantity beyond 2^53 fits the pattern'],
    ['consolidationPolicy "Always"', (o) => (o.spec.disruption.consolidationPolicy = 'Always'), 'schema'],
    ['consolidateAfter "5 minutes"', (o) => (o.spec.disruption.consolidateAfter = '5 minutes'), 'schema'],
    ['expireAfter "-1h"', (o) => (o.spec.template.spec.expireAfter = '-1h'), 'schema'],
    ['expireAfter of 20 digits of hours', (o) => (o.spec.template.spec.expireAfter = `${'9'.repeat(20)}h`), 'parser only: overflow is arithmetic'],
    ['budget nodes "101%"', (o) => (o.spec.disruption.budgets = [{ nodes: '101%' }]), 'schema'],
    ['budget nodes 5 (a number)', (o) => (o.spec.disruption.budgets = [{ nodes: 5 }]), 'schema'],
    ['budget schedule without duration', (o) => (o.spec.disruption.budgets = [{ nodes: '1', schedule: '0 9 * * *' }]), 'schema'],
    ['budget duration without schedule', (o) => (o.spec.disruption.budgets = [{ nodes: '1', duration: '8h' }]), 'schema'],
    ['a budget schedule of 300 characters', (o) => (o.spec.disruption.budgets = [{ nodes: '1', schedule: '*'.repeat(300), duration: '8h' }]), 'schema'],
    ['budget schedule "every day"', (o) => (o.spec.disruption.budgets = [{ nodes: '1', schedule: 'every day', duration: '8h' }]), 'parser only: a schema cannot read cron'],
    ['budget duration "30s"', (o) => (o.spec.disruption.budgets = [{ nodes: '1', schedule: '0 9 * * *', duration: '30s' }]), 'schema only: budget windows are whole minutes, as in Karpenter'],
    ['budget reason "Unhealthy" (repair is not a budgeted reason here)', (o) => (o.spec.disruption.budgets = [{ nodes: '1', reasons: ['Unhealthy'] }]), 'schema'],
    ['51 budgets', (o) => (o.spec.disruption.budgets = Array.from({ length: 51 }, () => ({ nodes: '1' }))), 'schema only: the schema caps the list (and CEL cost); the parser takes any number'],
    ['requirement operator "Equals"', requirement({ key: 'a', operator: 'Equals', values: ['x'] }), 'schema'],
    ['requirement with an empty key', requirement({ key: '', operator: 'Exists' }), 'schema'],
    ['In without values', requirement({ key: 'a', operator: 'In' }), 'schema'],
    ['In with an empty list', requirement({ key: 'a', operator: 'In', values: [] }), 'schema'],
    ['Exists with values', requirement({ key: 'a', operator: 'Exists', values: ['x'] }), 'schema'],
    ['Gt with two values', requirement({ key: 'a', operator: 'Gt', values: ['1', '2'] }), 'schema'],
    ['Lt without values', requirement({ key: 'a', operator: 'Lt' }), 'schema'],
    ['Gt "five"', requirement({ key: 'a', operator: 'Gt', values: ['five'] }), 'cel: .spec.template.spec.requirements[0]: the value of Gt and Lt must be an integer'],
    ['a requirement value that is a number', requirement({ key: 'a', operator: 'In', values: [5] }), 'schema'],
    ['requirements not a list', (o) => (o.spec.template.spec.requirements = { key: 'a' }), 'schema'],
    ['taint without effect', (o) => (o.spec.template.spec.taints = [{ key: 'a' }]), 'schema'],
    ['taint with an empty key', (o) => (o.spec.template.spec.taints = [{ key: '', effect: 'NoSchedule' }]), 'schema'],
    ['taint effect "NoRun"', (o) => (o.spec.template.spec.startupTaints = [{ key: 'a', effect: 'NoRun' }]), 'schema'],
    ['a label value that is a number', (o) => (o.spec.template.metadata.labels = { a: 5 }), 'schema'],
    ['nodeClassRef without a name', (o) => delete o.spec.template.spec.nodeClassRef.name, 'schema'],
    ['nodeClassRef with an empty name', (o) => (o.spec.template.spec.nodeClassRef.name = ''), 'schema only: the parser leaves it to the node class lookup, which finds nothing'],
    ['no template', (o) => delete o.spec.template, 'schema'],
  ])('%s', (_label, edit, who) => check(schema, example, refuses, edit, who));

  it.each<[string, string, (o: Doc, v: string) => void]>([
    ...['720h', '1h30m', '1h30m15s', '90m', '1s', '0h1s', '2h0m', 'Never'].map((v) => ['expireAfter', v, (o: Doc, x: string) => (o.spec.template.spec.expireAfter = x)] as [string, string, (o: Doc, v: string) => void]),
    ...['0s', '30s', '5m', '1h', '1h30m', 'Never'].map((v) => ['consolidateAfter', v, (o: Doc, x: string) => (o.spec.disruption.consolidateAfter = x)] as [string, string, (o: Doc, v: string) => void]),
    ...['8h', '30m', '1h30m'].map((v) => ['budget duration', v, (o: Doc, x: string) => (o.spec.disruption.budgets = [{ nodes: '1', schedule: '0 9 * * *', duration: x }])] as [string, string, (o: Doc, v: string) => void]),
  ])('%s %s: accepted by both', (_field, value, set) => {
    const object = structuredClone(example);
    set(object, value);
    const checked = validateSchema(schema, object);
    expect(checked.errors).toEqual([]);
    expect(parseNodePoolResource(checked.value).errors).toEqual([]);
  });

  it('evaluates every rule it can, and names the ones it cannot', () => {
    const object = structuredClone(example);
    object.spec.template.spec.requirements.push({ key: 'x', operator: 'Exists' });
    expect(validateSchema(schema, object).unevaluated).toEqual(Array.from({ length: 5 }, (_, i) => `.spec.template.spec.requirements[${i}]: the value of Gt and Lt must be an integer`));
  });
});

describe('EC2NodeClass', () => {
  const schema = crdSchema(loadManifest('crds/ec2nodeclasses.yaml')[0]);
  const [example] = loadManifest('examples/ec2nodeclass.yaml');
  const refuses = (o: unknown) => {
    try {
      parseEC2NodeClass(o);
      return false;
    } catch {
      return true;
    }
  };

  it('accepts the example in both', () => {
    const checked = validateSchema(schema, example);
    expect(checked.errors).toEqual([]);
    expect(refuses(checked.value)).toBe(false);
  });

  it.each<[string, Edit, Who]>([
    ['both role and instanceProfile', (o) => (o.spec.instanceProfile = 'profile'), 'schema'],
    ['neither role nor instanceProfile', (o) => delete o.spec.role, 'schema'],
    ['a role with a space', (o) => (o.spec.role = 'my role'), 'schema'],
    ['an instance profile with a slash', (o) => ((o.spec.instanceProfile = 'a/b'), delete o.spec.role), 'schema'],
    ['no subnet terms', (o) => (o.spec.subnetSelectorTerms = []), 'schema'],
    ['an empty subnet term', (o) => (o.spec.subnetSelectorTerms = [{}]), 'schema'],
    ['a subnet term with empty tags', (o) => (o.spec.subnetSelectorTerms = [{ tags: {} }]), 'schema'],
    ['a subnet id with capitals', (o) => (o.spec.subnetSelectorTerms = [{ id: 'subnet-ABC' }]), 'schema'],
    ['a subnet id that is not hex', (o) => (o.spec.subnetSelectorTerms = [{ id: 'subnet-xyz' }]), 'schema'],
    ['a subnet id with tags', (o) => (o.spec.subnetSelectorTerms = [{ id: 'subnet-0abc', tags: { a: 'b' } }]), 'schema'],
    ['31 subnet terms', (o) => (o.spec.subnetSelectorTerms = Array.from({ length: 31 }, (_, i) => ({ id: `subnet-${i}` }))), 'schema'],
    ['a security group id with a name', (o) => (o.spec.securityGroupSelectorTerms = [{ id: 'sg-0abc', name: 'web' }]), 'schema'],
    ['a security group with an empty name', (o) => (o.spec.securityGroupSelectorTerms = [{ name: '' }]), 'schema'],
    ['the alias bottlerocket@latest', (o) => (o.spec.amiSelectorTerms = [{ alias: 'bottlerocket@latest' }]), 'schema'],
    ['the alias al2023@2025', (o) => (o.spec.amiSelectorTerms = [{ alias: 'al2023@2025' }]), 'schema'],
    ['an alias with tags', (o) => (o.spec.amiSelectorTerms = [{ alias: 'al2023@latest', tags: { a: 'b' } }]), 'schema'],
    ['an alias next to another term', (o) => (o.spec.amiSelectorTerms = [{ alias: 'al2023@latest' }, { id: 'ami-0abc' }]), 'cel: .spec.amiSelectorTerms: an alias must be the only term'],
    ['an AMI term with only an owner', (o) => (o.spec.amiSelectorTerms = [{ owner: 'amazon' }]), 'schema'],
    ['an AMI id with an owner', (o) => (o.spec.amiSelectorTerms = [{ id: 'ami-0abc', owner: 'amazon' }]), 'schema'],
    ['an AMI id that is not hex', (o) => (o.spec.amiSelectorTerms = [{ id: 'ami-zzz' }]), 'schema'],
    ['a reserved tag key', (o) => (o.spec.tags = { 'aws:team': 'x' }), 'cel: .spec.tags: tag keys are 1-128 characters and must not start with smartscale.io/ or aws:'],
    ['a tag key of 129 characters', (o) => (o.spec.tags = { ['k'.repeat(129)]: 'x' }), 'cel: .spec.tags: tag keys are 1-128 characters and must not start with smartscale.io/ or aws:'],
    ['a tag value of 257 characters', (o) => (o.spec.tags = { team: 'v'.repeat(257) }), 'schema'],
    ['a tag value that is a number', (o) => (o.spec.tags = { team: 5 }), 'schema'],
    ['IMDS disabled', (o) => (o.spec.metadataOptions.httpEndpoint = 'disabled'), 'schema'],
    ['IMDSv1 allowed', (o) => (o.spec.metadataOptions.httpTokens = 'optional'), 'schema'],
    ['hop limit 0', (o) => (o.spec.metadataOptions.httpPutResponseHopLimit = 0), 'schema'],
    ['hop limit "2"', (o) => (o.spec.metadataOptions.httpPutResponseHopLimit = '2'), 'schema'],
    ['user data of 20,000 characters', (o) => (o.spec.userData = 'x'.repeat(20_000)), 'schema'],
    ['user data of 6,000 three-byte characters', (o) => (o.spec.userData = '€'.repeat(6000)), 'parser only: the limit is 16 KiB of bytes; a schema counts characters'],
    ['17 block devices', (o) => (o.spec.blockDeviceMappings = Array.from({ length: 17 }, (_, i) => ({ deviceName: `/dev/xvd${i}`, ebs: { volumeSize: '20Gi' } }))), 'schema'],
    ['a device named twice', (o) => (o.spec.blockDeviceMappings = [0, 1].map(() => ({ deviceName: '/dev/xvda', ebs: { volumeSize: '20Gi' } }))), 'schema'],
    ['a device name without /dev/', (o) => (o.spec.blockDeviceMappings = [{ deviceName: 'xvda', ebs: { volumeSize: '20Gi' } }]), 'schema'],
    ['a device without ebs', (o) => (o.spec.blockDeviceMappings = [{ deviceName: '/dev/xvda' }]), 'schema'],
    ['a volume without a size', (o) => (o.spec.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { volumeType: 'gp3' } }]), 'schema'],
    ['a volume of 0Gi', (o) => (o.spec.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { volumeSize: '0Gi' } }]), 'schema'],
    ['a volume of 100Ti', (o) => (o.spec.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { volumeSize: '100Ti' } }]), 'parser only: the 64Ti ceiling depends on the unit'],
    ['a volume type "gp4"', (o) => (o.spec.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { volumeSize: '20Gi', volumeType: 'gp4' } }]), 'schema'],
    ['iops 0', (o) => (o.spec.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { volumeSize: '20Gi', iops: 0 } }]), 'schema'],
    ['an empty KMS key', (o) => (o.spec.blockDeviceMappings = [{ deviceName: '/dev/xvda', ebs: { volumeSize: '20Gi', kmsKeyID: '' } }]), 'schema'],
  ])('%s', (_label, edit, who) => check(schema, example, refuses, edit, who));
});

describe('EC2NodeClass fields the schema keeps reach the parser', () => {
  const schema = crdSchema(loadManifest('crds/ec2nodeclasses.yaml')[0]);
  const [example] = loadManifest('examples/ec2nodeclass.yaml');
  const withVolume = (ebs: Doc) => {
    const object = structuredClone(example);
    object.spec.blockDeviceMappings = [{ deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '40Gi', volumeType: 'gp3', ...ebs } }];
    const checked = validateSchema(schema, object);
    expect(checked.errors).toEqual([]);
    return parseEC2NodeClass(checked.value).blockDeviceMappings[0].ebs;
  };

  it('kmsKeyID, iops, throughput, encrypted', () => {
    expect(withVolume({ kmsKeyID: 'arn:aws:kms:us-east-1:111122223333:key/k', iops: 4000, throughput: 250, encrypted: false })).toMatchObject({
      kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k',
      iops: 4000,
      throughput: 250,
      encrypted: false,
    });
  });

  // The CRD declares Karpenter's `snapshotID` (a `snapshotId` would be pruned by the API server);
  // the parser reads it as it reads kmsKeyID — before, it read only `snapshotId`, so a volume asked
  // to start from a snapshot started empty, silently.
  it('snapshotID', () => {
    expect(withVolume({ snapshotID: 'snap-0123abcd' }).snapshotId).toBe('snap-0123abcd');
  });
});
