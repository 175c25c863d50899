/**
 * EC2NodeClass: where and how EC2 nodes are launched (subnets, security groups, AMI, instance
 * profile, tags, user data, metadata options, disks). Shaped after Karpenter's
 * `karpenter.k8s.aws/v1` EC2NodeClass so its manifests carry over with small edits.
 *
 * `parseEC2NodeClass` validates an API object (or a bare spec) and names the field that is wrong;
 * nothing here talks to AWS.
 */
import { parseNonNegativeMilli, parseNonNegativeUnits } from '../../model/quantity.js';
import { OWN_TAG_COUNT } from './tags.js';

/** One selector term: every given field must match (AND); the terms of a list are ORed. */
export interface SelectorTerm {
  /** Tag key → value; `*` matches any value (the tag must exist). */
  readonly tags?: Readonly<Record<string, string>>;
  readonly id?: string;
  /** Security groups only: the group name. */
  readonly name?: string;
}

export interface AmiSelectorTerm {
  readonly id?: string;
  /**
   * The EKS-optimized Amazon Linux 2023 AMI: `al2023@latest` or `al2023@v20250715`, for the
   * cluster's Kubernetes version. Must be the only term.
   */
  readonly alias?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Image name, `*` wildcards allowed (EC2 filter syntax). */
  readonly name?: string;
  /** Account ID or alias (`amazon`, `self`); defaults to `self` + `amazon` when selecting by name. */
  readonly owner?: string;
}

export interface MetadataOptions {
  readonly httpEndpoint: 'enabled' | 'disabled';
  readonly httpProtocolIPv6: 'enabled' | 'disabled';
  /** 1–64; 1 keeps pods (one network hop away) off the instance's credentials. */
  readonly httpPutResponseHopLimit: number;
  /** Always `required` (IMDSv2): smartscale refuses `optional`, see ADR 061. */
  readonly httpTokens: 'required';
}

export interface EbsVolume {
  readonly volumeSizeGiB: number;
  readonly volumeType: 'gp2' | 'gp3' | 'io1' | 'io2' | 'st1' | 'sc1' | 'standard';
  readonly encrypted: boolean;
  readonly deleteOnTermination: boolean;
  readonly iops?: number;
  readonly throughput?: number;
  readonly kmsKeyId?: string;
  readonly snapshotId?: string;
}

export interface BlockDeviceMapping {
  readonly deviceName: string;
  readonly ebs: EbsVolume;
  /** The node's root volume (what the kubelet's ephemeral storage lives on); else `/dev/xvda` is. */
  readonly rootVolume?: true;
}

/** AL2023's root device. */
export const ROOT_DEVICE = '/dev/xvda';

/**
 * The size of the volume the node's root filesystem — and so the kubelet's ephemeral storage — is
 * on: the mapping marked `rootVolume`, else AL2023's root device; undefined when neither is mapped
 * (the image's own size applies, which the class does not say).
 */
export function rootVolumeGiB(nodeClass: Pick<EC2NodeClass, 'blockDeviceMappings'>): number | undefined {
  const mappings = nodeClass.blockDeviceMappings;
  return (mappings.find((m) => m.rootVolume) ?? mappings.find((m) => m.deviceName === ROOT_DEVICE))?.ebs.volumeSizeGiB;
}

/** Resources the kubelet keeps for the system or for Kubernetes' own daemons. */
export interface ReservedResources {
  /** Millicores. */
  readonly cpu?: number;
  /** Bytes. */
  readonly memory?: number;
}

/**
 * The kubelet's settings that change what a node offers pods (Karpenter's `spec.kubelet`): they go
 * into the node's `NodeConfig` and into the allocatable the solver plans with.
 */
export interface KubeletConfiguration {
  /** Pods per node, overriding the ENI-based limit (e.g. 110 with prefix delegation). */
  readonly maxPods?: number;
  /** Pods per vCPU; the node gets the smaller of this × vCPUs and maxPods. */
  readonly podsPerCore?: number;
  readonly systemReserved?: ReservedResources;
  /** Replaces the EKS formula for that resource. */
  readonly kubeReserved?: ReservedResources;
  /** Hard eviction thresholds, signal → `100Mi` or `5%` (kubelet syntax); `memory.available` lowers allocatable memory. */
  readonly evictionHard?: Readonly<Record<string, string>>;
}

export interface EC2NodeClass {
  readonly name: string;
  readonly subnetSelectorTerms: readonly SelectorTerm[];
  readonly securityGroupSelectorTerms: readonly SelectorTerm[];
  readonly amiSelectorTerms: readonly AmiSelectorTerm[];
  /** Name of an existing IAM instance profile (holding the node role). Exactly one of this and `role`. */
  readonly instanceProfile?: string;
  /** IAM role (name or ARN) for the nodes; smartscale creates and tags an instance profile for it. */
  readonly role?: string;
  /** Extra tags on instances, volumes and fleets (never `smartscale.io/…` or `aws:…`). */
  readonly tags: Readonly<Record<string, string>>;
  /** Extra user data, appended as its own MIME part after the part that joins the cluster. */
  readonly userData?: string;
  readonly metadataOptions: MetadataOptions;
  readonly blockDeviceMappings: readonly BlockDeviceMapping[];
  /** Absent: the kubelet's defaults on EKS (ENI-limited pods, the EKS reservations, 100Mi memory eviction). */
  readonly kubelet?: KubeletConfiguration;
}

export const DEFAULT_METADATA_OPTIONS: MetadataOptions = Object.freeze({
  httpEndpoint: 'enabled',
  httpProtocolIPv6: 'disabled',
  httpPutResponseHopLimit: 1,
  httpTokens: 'required',
});

/** AL2023's root device, 20 GiB gp3, encrypted (Karpenter's default). */
export const DEFAULT_BLOCK_DEVICE_MAPPINGS: readonly BlockDeviceMapping[] = Object.freeze([
  { deviceName: '/dev/xvda', ebs: { volumeSizeGiB: 20, volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
]);

/** Tag prefixes smartscale owns or AWS reserves; node classes may not set them. */
export const RESERVED_TAG_PREFIXES: readonly string[] = ['smartscale.io/', 'aws:'];

export class NodeClassError extends Error {
  constructor(
    readonly nodeClass: string,
    message: string,
  ) {
    super(`EC2NodeClass ${nodeClass}: ${message}`);
    this.name = 'NodeClassError';
  }
}

const VOLUME_TYPES = ['gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1', 'standard'] as const;
const ROLE = /^(arn:aws[a-z-]*:iam::\d{12}:role\/([\w+=,.@-]+\/)*)?[\w+=,.@-]{1,64}$/;
const ALIAS = /^([a-z0-9]+)@(latest|v\d{8})$/;
const MAX_USER_DATA_BYTES = 16 * 1024;
const MAX_TERMS = 30;

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads an EC2NodeClass from an API object (`{metadata: {name}, spec}`) or from `{name, ...spec}`.
 * Throws a NodeClassError naming the field at fault.
 */
export function parseEC2NodeClass(input: unknown): EC2NodeClass {
  if (!isObject(input)) throw new NodeClassError('(unnamed)', 'expected an object');
  const metadata = isObject(input.metadata) ? input.metadata : undefined;
  const rawName = metadata ? metadata.name : input.name;
  if (typeof rawName !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/.test(rawName)) {
    throw new NodeClassError(String(rawName ?? '(unnamed)'), 'metadata.name must be a DNS-1123 name of at most 63 characters');
  }
  const name = rawName;
  const spec: Raw = metadata ? (isObject(input.spec) ? input.spec : fail(name, 'spec', 'must be an object')) : input;
  const { instanceProfile, role } = spec;
  if ((instanceProfile === undefined) === (role === undefined)) fail(name, 'spec', 'must set exactly one of role and instanceProfile');
  if (instanceProfile !== undefined && (typeof instanceProfile !== 'string' || !/^[\w+=,.@-]{1,128}$/.test(instanceProfile))) {
    fail(name, 'spec.instanceProfile', 'must be the name of an IAM instance profile (1–128 of [A-Za-z0-9+=,.@_-])');
  }
  if (role !== undefined && (typeof role !== 'string' || !ROLE.test(role))) {
    fail(name, 'spec.role', 'must be an IAM role name or role ARN');
  }
  const amiSelectorTerms = amiTerms(name, spec.amiSelectorTerms, spec.amiId);
  const userData = spec.userData;
  if (userData !== undefined && (typeof userData !== 'string' || Buffer.byteLength(userData) > MAX_USER_DATA_BYTES)) {
    fail(name, 'spec.userData', `must be a string of at most ${MAX_USER_DATA_BYTES} bytes`);
  }
  return {
    name,
    subnetSelectorTerms: selectorTerms(name, 'spec.subnetSelectorTerms', spec.subnetSelectorTerms, /^subnet-[0-9a-f]+$/, false),
    securityGroupSelectorTerms: selectorTerms(name, 'spec.securityGroupSelectorTerms', spec.securityGroupSelectorTerms, /^sg-[0-9a-f]+$/, true),
    amiSelectorTerms,
    instanceProfile: instanceProfile as string | undefined,
    role: role as string | undefined,
    tags: userTags(name, spec.tags),
    userData: userData as string | undefined,
    metadataOptions: metadataOptions(name, spec.metadataOptions),
    blockDeviceMappings: blockDevices(name, spec.blockDeviceMappings),
    ...kubeletField(name, spec.kubelet),
  };
}

function nonEmpty<K extends string, V extends object>(key: K, value: V | undefined): { [k in K]?: V } {
  return value && Object.keys(value).length > 0 ? ({ [key]: value } as { [k in K]?: V }) : {};
}

const EVICTION_SIGNALS = ['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available'];

function reserved(nodeClass: string, field: string, raw: unknown): ReservedResources | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) fail(nodeClass, field, 'must be a map of resource to quantity (cpu, memory)');
  const out: { cpu?: number; memory?: number } = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'cpu' && key !== 'memory') fail(nodeClass, `${field}.${key}`, 'is not supported (cpu, memory)');
    try {
      if (typeof value !== 'string' && typeof value !== 'number') throw new Error('not a quantity');
      const q = key === 'cpu' ? parseNonNegativeMilli(String(value)) : parseNonNegativeUnits(String(value));
      out[key] = q;
    } catch {
      fail(nodeClass, `${field}.${key}`, `must be a non-negative quantity (${key === 'cpu' ? '100m' : '512Mi'}), got ${JSON.stringify(value)}`);
    }
  }
  return out;
}

/** `{kubelet}` when it sets anything: an empty block is no setting (it must not drift nodes). */
function kubeletField(nodeClass: string, raw: unknown): { kubelet?: KubeletConfiguration } {
  if (raw === undefined) return {};
  const kubelet = kubeletConfiguration(nodeClass, raw);
  return Object.keys(kubelet).length > 0 ? { kubelet } : {};
}

function kubeletConfiguration(nodeClass: string, raw: unknown): KubeletConfiguration {
  if (!isObject(raw)) fail(nodeClass, 'spec.kubelet', 'must be an object');
  const allowed = ['maxPods', 'podsPerCore', 'systemReserved', 'kubeReserved', 'evictionHard'];
  for (const key of Object.keys(raw)) if (!allowed.includes(key)) fail(nodeClass, `spec.kubelet.${key}`, `is not supported (${allowed.join(', ')})`);
  const whole = (field: string, value: unknown, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    if (!(typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max)) fail(nodeClass, `spec.kubelet.${field}`, `must be a whole number from ${min} to ${max}`);
    return value;
  };
  const maxPods = whole('maxPods', raw.maxPods, 1, 1000);
  const podsPerCore = whole('podsPerCore', raw.podsPerCore, 0, 1000);
  let evictionHard: Record<string, string> | undefined;
  if (raw.evictionHard !== undefined) {
    if (!isObject(raw.evictionHard)) fail(nodeClass, 'spec.kubelet.evictionHard', 'must be a map of signal to threshold');
    evictionHard = {};
    for (const [signal, value] of Object.entries(raw.evictionHard)) {
      if (!EVICTION_SIGNALS.includes(signal)) fail(nodeClass, `spec.kubelet.evictionHard.${signal}`, `is not an eviction signal (${EVICTION_SIGNALS.join(', ')})`);
      const text = typeof value === 'string' ? value.trim() : '';
      const percent = /^(\d{1,2}(\.\d+)?|100)%$/.test(text);
      let quantity = false;
      if (!percent && text !== '') {
        try {
          parseNonNegativeUnits(text);
          quantity = true;
        } catch {
          /* reported below */
        }
      }
      if (!percent && !quantity) fail(nodeClass, `spec.kubelet.evictionHard.${signal}`, `must be a quantity (100Mi) or a percentage (5%), got ${JSON.stringify(value)}`);
      evictionHard[signal] = text;
    }
  }
  const out: KubeletConfiguration = {
    ...(maxPods !== undefined ? { maxPods } : {}),
    ...(podsPerCore !== undefined ? { podsPerCore } : {}),
    ...nonEmpty('systemReserved', reserved(nodeClass, 'spec.kubelet.systemReserved', raw.systemReserved)),
    ...nonEmpty('kubeReserved', reserved(nodeClass, 'spec.kubelet.kubeReserved', raw.kubeReserved)),
    ...nonEmpty('evictionHard', evictionHard),
  };
  return out;
}

function fail(nodeClass: string, field: string, message: string): never {
  throw new NodeClassError(nodeClass, `${field} ${message}`);
}

function tagMap(nodeClass: string, field: string, raw: unknown): Record<string, string> {
  if (!isObject(raw)) fail(nodeClass, field, 'must be a map of tag key to value');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.length === 0 || key.length > 128) fail(nodeClass, `${field}[${JSON.stringify(key)}]`, 'key must be 1–128 characters');
    if (typeof value !== 'string' || value.length > 256) fail(nodeClass, `${field}[${JSON.stringify(key)}]`, 'value must be a string of at most 256 characters');
    out[key] = value;
  }
  return out;
}

function selectorTerms(nodeClass: string, field: string, raw: unknown, idPattern: RegExp, allowName: boolean): SelectorTerm[] {
  if (!Array.isArray(raw) || raw.length === 0) fail(nodeClass, field, 'must be a non-empty list of selector terms');
  if (raw.length > MAX_TERMS) fail(nodeClass, field, `has more than ${MAX_TERMS} terms`);
  return raw.map((term, i) => {
    const where = `${field}[${i}]`;
    if (!isObject(term)) fail(nodeClass, where, 'must be an object');
    const allowed = allowName ? ['tags', 'id', 'name'] : ['tags', 'id'];
    for (const key of Object.keys(term)) if (!allowed.includes(key)) fail(nodeClass, `${where}.${key}`, `is not a selector field (allowed: ${allowed.join(', ')})`);
    const out: { tags?: Record<string, string>; id?: string; name?: string } = {};
    if (term.tags !== undefined) {
      out.tags = tagMap(nodeClass, `${where}.tags`, term.tags);
      if (Object.keys(out.tags).length === 0) fail(nodeClass, `${where}.tags`, 'must not be empty');
    }
    if (term.id !== undefined) {
      if (typeof term.id !== 'string' || !idPattern.test(term.id)) fail(nodeClass, `${where}.id`, `must match ${idPattern.source}`);
      out.id = term.id;
    }
    if (term.name !== undefined) {
      if (typeof term.name !== 'string' || term.name.length === 0 || term.name.length > 255) fail(nodeClass, `${where}.name`, 'must be a non-empty string');
      out.name = term.name;
    }
    if (!out.tags && !out.id && !out.name) fail(nodeClass, where, 'must select by tags, id or name');
    if (out.id && (out.tags || out.name)) fail(nodeClass, where, 'id cannot be combined with other fields');
    return out;
  });
}

function amiTerms(nodeClass: string, raw: unknown, amiId: unknown): AmiSelectorTerm[] {
  if (amiId !== undefined) {
    if (raw !== undefined) fail(nodeClass, 'spec.amiId', 'and spec.amiSelectorTerms are mutually exclusive');
    if (typeof amiId !== 'string' || !/^ami-[0-9a-f]+$/.test(amiId)) fail(nodeClass, 'spec.amiId', 'must look like ami-0123abcd');
    return [{ id: amiId }];
  }
  if (!Array.isArray(raw) || raw.length === 0) fail(nodeClass, 'spec.amiSelectorTerms', 'must be a non-empty list (or set spec.amiId)');
  if (raw.length > MAX_TERMS) fail(nodeClass, 'spec.amiSelectorTerms', `has more than ${MAX_TERMS} terms`);
  return raw.map((term, i) => {
    const where = `spec.amiSelectorTerms[${i}]`;
    if (!isObject(term)) fail(nodeClass, where, 'must be an object');
    for (const key of Object.keys(term)) if (!['id', 'alias', 'tags', 'name', 'owner'].includes(key)) fail(nodeClass, `${where}.${key}`, 'is not an AMI selector field (allowed: alias, id, tags, name, owner)');
    if (term.alias !== undefined) {
      const m = typeof term.alias === 'string' ? ALIAS.exec(term.alias) : null;
      if (!m) fail(nodeClass, `${where}.alias`, 'must look like al2023@latest or al2023@v20250715');
      // The user data smartscale writes is nodeadm's, which only Amazon Linux 2023 reads.
      if (m[1] !== 'al2023') fail(nodeClass, `${where}.alias`, `family ${m[1]} is not supported (only al2023: nodes join with nodeadm)`);
      if (Object.keys(term).length > 1 || raw.length > 1) fail(nodeClass, `${where}.alias`, 'must be the only field of the only term');
      return { alias: term.alias as string };
    }
    const out: { id?: string; tags?: Record<string, string>; name?: string; owner?: string } = {};
    if (term.id !== undefined) {
      if (typeof term.id !== 'string' || !/^ami-[0-9a-f]+$/.test(term.id)) fail(nodeClass, `${where}.id`, 'must look like ami-0123abcd');
      out.id = term.id;
    }
    if (term.tags !== undefined) out.tags = tagMap(nodeClass, `${where}.tags`, term.tags);
    for (const key of ['name', 'owner'] as const) {
      const v = term[key];
      if (v === undefined) continue;
      if (typeof v !== 'string' || v.length === 0 || v.length > 255) fail(nodeClass, `${where}.${key}`, 'must be a non-empty string');
      out[key] = v;
    }
    if (!out.id && !out.tags && !out.name) fail(nodeClass, where, 'must select by id, tags or name');
    if (out.id && (out.tags || out.name || out.owner)) fail(nodeClass, where, 'id cannot be combined with other fields');
    return out;
  });
}

function userTags(nodeClass: string, raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  const tags = tagMap(nodeClass, 'spec.tags', raw);
  for (const key of Object.keys(tags)) {
    const reserved = RESERVED_TAG_PREFIXES.find((p) => key.startsWith(p));
    if (reserved) fail(nodeClass, `spec.tags[${JSON.stringify(key)}]`, `uses the reserved prefix ${reserved}`);
  }
  // 50 tags per resource; smartscale adds its own (launchTags).
  const most = 50 - OWN_TAG_COUNT;
  if (Object.keys(tags).length > most) fail(nodeClass, 'spec.tags', `has more than ${most} tags (EC2 allows 50 and smartscale adds ${OWN_TAG_COUNT})`);
  return tags;
}

function metadataOptions(nodeClass: string, raw: unknown): MetadataOptions {
  if (raw === undefined) return DEFAULT_METADATA_OPTIONS;
  if (!isObject(raw)) fail(nodeClass, 'spec.metadataOptions', 'must be an object');
  const enabled = (key: 'httpEndpoint' | 'httpProtocolIPv6', fallback: 'enabled' | 'disabled'): 'enabled' | 'disabled' => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (v !== 'enabled' && v !== 'disabled') fail(nodeClass, `spec.metadataOptions.${key}`, 'must be "enabled" or "disabled"');
    return v;
  };
  const tokens = raw.httpTokens;
  if (tokens !== undefined && tokens !== 'required') {
    fail(nodeClass, 'spec.metadataOptions.httpTokens', `must be "required" (IMDSv2); got ${JSON.stringify(tokens)}`);
  }
  const hop = raw.httpPutResponseHopLimit ?? DEFAULT_METADATA_OPTIONS.httpPutResponseHopLimit;
  if (typeof hop !== 'number' || !Number.isInteger(hop) || hop < 1 || hop > 64) fail(nodeClass, 'spec.metadataOptions.httpPutResponseHopLimit', 'must be an integer in [1, 64]');
  const httpEndpoint = enabled('httpEndpoint', 'enabled');
  if (httpEndpoint === 'disabled') {
    // nodeadm reads the instance's identity from IMDS to join the cluster.
    fail(nodeClass, 'spec.metadataOptions.httpEndpoint', 'cannot be "disabled": nodes need IMDS to join the cluster');
  }
  return { httpEndpoint, httpProtocolIPv6: enabled('httpProtocolIPv6', 'disabled'), httpPutResponseHopLimit: hop, httpTokens: 'required' };
}

function blockDevices(nodeClass: string, raw: unknown): BlockDeviceMapping[] {
  if (raw === undefined) return DEFAULT_BLOCK_DEVICE_MAPPINGS.map((m) => ({ deviceName: m.deviceName, ebs: { ...m.ebs } }));
  if (!Array.isArray(raw) || raw.length > 16) fail(nodeClass, 'spec.blockDeviceMappings', 'must be a list of at most 16 mappings');
  const seen = new Set<string>();
  if (raw.filter((m) => isObject(m) && m.rootVolume === true).length > 1) fail(nodeClass, 'spec.blockDeviceMappings', 'may mark only one mapping rootVolume');
  return raw.map((m, i) => {
    const where = `spec.blockDeviceMappings[${i}]`;
    if (!isObject(m)) fail(nodeClass, where, 'must be an object');
    if (typeof m.deviceName !== 'string' || !/^\/dev\/[a-z0-9]+$/.test(m.deviceName)) fail(nodeClass, `${where}.deviceName`, 'must look like /dev/xvda');
    if (seen.has(m.deviceName)) fail(nodeClass, `${where}.deviceName`, 'is listed twice');
    seen.add(m.deviceName);
    if (m.rootVolume !== undefined && typeof m.rootVolume !== 'boolean') fail(nodeClass, `${where}.rootVolume`, 'must be true or false');
    if (!isObject(m.ebs)) fail(nodeClass, `${where}.ebs`, 'must be an object');
    const ebs = m.ebs;
    const size = volumeSizeGiB(nodeClass, `${where}.ebs.volumeSize`, ebs.volumeSize);
    const volumeType = ebs.volumeType ?? 'gp3';
    if (!VOLUME_TYPES.includes(volumeType as (typeof VOLUME_TYPES)[number])) fail(nodeClass, `${where}.ebs.volumeType`, `must be one of ${VOLUME_TYPES.join(', ')}`);
    const bool = (key: string, fallback: boolean): boolean => {
      const v = ebs[key];
      if (v === undefined) return fallback;
      if (typeof v !== 'boolean') fail(nodeClass, `${where}.ebs.${key}`, 'must be true or false');
      return v;
    };
    const posInt = (key: string): number | undefined => {
      const v = ebs[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(nodeClass, `${where}.ebs.${key}`, 'must be a positive integer');
      return v;
    };
    const str = (key: string): string | undefined => {
      const v = ebs[key];
      if (v === undefined) return undefined;
      if (typeof v !== 'string' || v.length === 0) fail(nodeClass, `${where}.ebs.${key}`, 'must be a non-empty string');
      return v;
    };
    return {
      deviceName: m.deviceName,
      ...(m.rootVolume === true ? { rootVolume: true as const } : {}),
      ebs: {
        volumeSizeGiB: size,
        volumeType: volumeType as EbsVolume['volumeType'],
        encrypted: bool('encrypted', true),
        deleteOnTermination: bool('deleteOnTermination', true),
        iops: posInt('iops'),
        throughput: posInt('throughput'),
        // Karpenter (and the CRD) spell them kmsKeyID and snapshotID; both spellings are read.
        kmsKeyId: str('kmsKeyID') ?? str('kmsKeyId'),
        snapshotId: str('snapshotID') ?? str('snapshotId'),
      },
    };
  });
}

/** `20Gi`, `100G`, `1Ti` or a number of GiB → whole GiB (rounded up), 1–65536. */
function volumeSizeGiB(nodeClass: string, field: string, raw: unknown): number {
  let gib: number;
  if (typeof raw === 'number') gib = raw;
  else if (typeof raw === 'string') {
    const m = /^(\d+)(Gi|G|Ti|T)?$/.exec(raw);
    if (!m) fail(nodeClass, field, 'must be a size such as 20Gi or 1Ti');
    const n = Number(m[1]);
    const unit = m[2] ?? 'Gi';
    gib = unit === 'Gi' ? n : unit === 'Ti' ? n * 1024 : unit === 'G' ? Math.ceil((n * 1e9) / 2 ** 30) : Math.ceil((n * 1e12) / 2 ** 30);
  } else fail(nodeClass, field, 'is required (e.g. 20Gi)');
  if (!Number.isInteger(gib) || gib < 1 || gib > 65536) fail(nodeClass, field, 'must be between 1Gi and 64Ti');
  return gib;
}
