/**
 * Just enough of Kubernetes' protobuf encoding to accept what kubectl's imperative generators send
 * (`kubectl create configmap|secret|namespace|serviceaccount|deployment`): the `k8s\0` envelope
 * around a runtime.Unknown, and the messages those commands fill in. Decoding is strict: a field
 * this subset does not know is an error (415), never silently dropped — except when it carries the
 * zero value, which Go's encoder writes for every non-pointer field and which means "unset".
 */

export class ProtobufError extends Error {}

type FieldType = 'string' | 'int' | 'bool' | 'bytes' | 'message' | 'map' | 'skip';

interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
  schema?: Schema;
  /** Map values: a string, base64 bytes, or a resource.Quantity message. */
  mapValue?: 'string' | 'bytes' | 'quantity';
  /** A pointer field in Go: present means set, even when zero (Deployment replicas). */
  keepZero?: boolean;
}

type Schema = Record<number, Field>;

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  done(): boolean {
    return this.pos >= this.buf.length;
  }
  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 63) throw new ProtobufError('varint too long');
    }
  }
  bytes(): Buffer {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new ProtobufError('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
}

const QUANTITY: Schema = { 1: { name: 'string', type: 'string' } };

const OBJECT_META: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'generateName', type: 'string' },
  3: { name: 'namespace', type: 'string' },
  8: { name: 'creationTimestamp', type: 'skip' },
  11: { name: 'labels', type: 'map', mapValue: 'string' },
  12: { name: 'annotations', type: 'map', mapValue: 'string' },
  14: { name: 'finalizers', type: 'string', repeated: true },
};

const LABEL_SELECTOR: Schema = { 1: { name: 'matchLabels', type: 'map', mapValue: 'string' } };

const CONTAINER_PORT: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'hostPort', type: 'int' },
  3: { name: 'containerPort', type: 'int' },
  4: { name: 'protocol', type: 'string' },
};

const RESOURCES: Schema = {
  1: { name: 'limits', type: 'map', mapValue: 'quantity' },
  2: { name: 'requests', type: 'map', mapValue: 'quantity' },
};

const CONTAINER: Schema = {
  1: { name: 'name', type: 'string' },
  2: { name: 'image', type: 'string' },
  3: { name: 'command', type: 'string', repeated: true },
  4: { name: 'args', type: 'string', repeated: true },
  5: { name: 'workingDir', type: 'string' },
  6: { name: 'ports', type: 'message', repeated: true, schema: CONTAINER_PORT },
  8: { name: 'resources', type: 'message', schema: RESOURCES },
  13: { name: 'terminationMessagePath', type: 'string' },
  14: { name: 'imagePullPolicy', type: 'string' },
  20: { name: 'terminationMessagePolicy', type: 'string' },
};

const POD_SPEC: Schema = {
  2: { name: 'containers', type: 'message', repeated: true, schema: CONTAINER },
  3: { name: 'restartPolicy', type: 'string' },
  6: { name: 'dnsPolicy', type: 'string' },
  7: { name: 'nodeSelector', type: 'map', mapValue: 'string' },
  8: { name: 'serviceAccountName', type: 'string' },
};

const POD_TEMPLATE: Schema = {
  1: { name: 'metadata', type: 'message', schema: OBJECT_META },
  2: { name: 'spec', type: 'message', schema: POD_SPEC },
};

const DEPLOYMENT_SPEC: Schema = {
  1: { name: 'replicas', type: 'int', keepZero: true },
  2: { name: 'selector', type: 'message', schema: LABEL_SELECTOR },
  3: { name: 'template', type: 'message', schema: POD_TEMPLATE },
  4: { name: 'strategy', type: 'message', schema: { 1: { name: 'type', type: 'string' } } },
};

const KINDS: Record<string, Schema> = {
  'v1/ConfigMap': {
    1: { name: 'metadata', type: 'message', schema: OBJECT_META },
    2: { name: 'data', type: 'map', mapValue: 'string' },
    3: { name: 'binaryData', type: 'map', mapValue: 'bytes' },
    4: { name: 'immutable', type: 'bool' },
  },
  'v1/Secret': {
    1: { name: 'metadata', type: 'message', schema: OBJECT_META },
    2: { name: 'data', type: 'map', mapValue: 'bytes' },
    3: { name: 'type', type: 'string' },
    4: { name: 'stringData', type: 'map', mapValue: 'string' },
    5: { name: 'immutable', type: 'bool' },
  },
  'v1/Namespace': {
    1: { name: 'metadata', type: 'message', schema: OBJECT_META },
    2: { name: 'spec', type: 'message', schema: { 1: { name: 'finalizers', type: 'string', repeated: true } } },
    3: { name: 'status', type: 'skip' },
  },
  'v1/ServiceAccount': {
    1: { name: 'metadata', type: 'message', schema: OBJECT_META },
    4: { name: 'automountServiceAccountToken', type: 'bool' },
  },
  'apps/v1/Deployment': {
    1: { name: 'metadata', type: 'message', schema: OBJECT_META },
    2: { name: 'spec', type: 'message', schema: DEPLOYMENT_SPEC },
    3: { name: 'status', type: 'skip' },
  },
};

function decodeMessage(buf: Buffer, schema: Schema, path: string): Record<string, unknown> {
  const r = new Reader(buf);
  const out: Record<string, any> = {};
  while (!r.done()) {
    const key = r.varint();
    const num = Math.floor(key / 8);
    const wire = key % 8;
    const field = schema[num];
    let value: unknown;
    if (wire === 0) {
      const v = r.varint();
      if (!field) {
        if (v === 0) continue;
        throw new ProtobufError(`field ${num} of ${path} is not supported by the sandbox's protobuf subset`);
      }
      if (v === 0 && !field.keepZero) continue;
      value = field.type === 'bool' ? v !== 0 : v;
    } else if (wire === 2) {
      const bytes = r.bytes();
      if (!field) {
        if (bytes.length === 0 || num === 8) continue; // empty, or ObjectMeta's creationTimestamp (server-set)
        throw new ProtobufError(`field ${num} of ${path} is not supported by the sandbox's protobuf subset`);
      }
      if (bytes.length === 0 && field.type !== 'message' && field.type !== 'map') continue;
      switch (field.type) {
        case 'string':
          value = bytes.toString('utf8');
          break;
        case 'bytes':
          value = bytes.toString('base64');
          break;
        case 'message':
          value = decodeMessage(bytes, field.schema!, `${path}.${field.name}`);
          break;
        case 'skip':
          continue;
        case 'map': {
          const entry = decodeMapEntry(bytes, field, `${path}.${field.name}`);
          out[field.name] = { ...(out[field.name] ?? {}), [entry[0]]: entry[1] };
          continue;
        }
        default:
          throw new ProtobufError(`field ${path}.${field.name} has an unexpected encoding`);
      }
    } else {
      throw new ProtobufError(`wire type ${wire} in ${path} is not supported`);
    }
    if (field.repeated) out[field.name] = [...(out[field.name] ?? []), value];
    else out[field.name] = value;
  }
  return out;
}

function decodeMapEntry(buf: Buffer, field: Field, path: string): [string, unknown] {
  const r = new Reader(buf);
  let k = '';
  let v: unknown = field.mapValue === 'quantity' ? '0' : '';
  while (!r.done()) {
    const key = r.varint();
    const num = Math.floor(key / 8);
    if (key % 8 !== 2) throw new ProtobufError(`bad map entry in ${path}`);
    const bytes = r.bytes();
    if (num === 1) k = bytes.toString('utf8');
    else if (num === 2) {
      if (field.mapValue === 'bytes') v = bytes.toString('base64');
      else if (field.mapValue === 'quantity') v = (decodeMessage(bytes, QUANTITY, path) as { string?: string }).string ?? '0';
      else v = bytes.toString('utf8');
    } else throw new ProtobufError(`bad map entry in ${path}`);
  }
  return [k, v];
}

/** Decodes a `k8s\0`-enveloped object of a supported kind to its JSON form. */
export function decodeKubernetesProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new ProtobufError('not a Kubernetes protobuf envelope');
  const unknown = decodeMessage(body.subarray(4), { 1: { name: 'typeMeta', type: 'message', schema: { 1: { name: 'apiVersion', type: 'string' }, 2: { name: 'kind', type: 'string' } } }, 2: { name: 'raw', type: 'bytes' }, 3: { name: 'contentEncoding', type: 'string' }, 4: { name: 'contentType', type: 'string' } }, 'Unknown') as {
    typeMeta?: { apiVersion?: string; kind?: string };
    raw?: string;
  };
  const apiVersion = unknown.typeMeta?.apiVersion ?? '';
  const kind = unknown.typeMeta?.kind ?? '';
  const schema = KINDS[`${apiVersion}/${kind}`];
  if (!schema) throw new ProtobufError(`protobuf bodies for ${kind || 'this kind'} ${apiVersion} are not supported by the sandbox; send JSON`);
  const object = decodeMessage(Buffer.from(unknown.raw ?? '', 'base64'), schema, kind);
  return { apiVersion, kind, ...object };
}
