import { describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf, ProtobufError } from '../../../core/sandbox/apiserver/protobuf.js';

/** A minimal protobuf writer for building test messages. */
function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
function field(num: number, value: string | number | Buffer | number[]): number[] {
  if (typeof value === 'number') return [...varint(num * 8), ...varint(value)];
  const bytes = typeof value === 'string' ? [...Buffer.from(value)] : [...value];
  return [...varint(num * 8 + 2), ...varint(bytes.length), ...bytes];
}
function mapEntry(num: number, k: string, v: string): number[] {
  return field(num, [...field(1, k), ...field(2, v)]);
}
function envelope(apiVersion: string, kind: string, raw: number[]): Buffer {
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...field(1, [...field(1, apiVersion), ...field(2, kind)]), ...field(2, raw), ...field(3, ''), ...field(4, '')]);
}

describe('Kubernetes protobuf subset', () => {
  it('decodes a ConfigMap with labels and data, ignoring zero-valued fields Go always writes', () => {
    const meta = [...field(1, 'cm'), ...field(4, ''), ...field(7, 0), ...mapEntry(11, 'app', 'web')];
    const body = envelope('v1', 'ConfigMap', [...field(1, meta), ...mapEntry(2, 'a', 'b'), ...mapEntry(2, 'c', 'd')]);
    expect(decodeKubernetesProtobuf(body)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', labels: { app: 'web' } }, data: { a: 'b', c: 'd' } });
  });

  it('decodes a Deployment: replicas (even 0), selector, template, containers, ports, quantities', () => {
    const container = [...field(1, 'main'), ...field(2, 'nginx:1.27'), ...field(6, field(3, 8080)), ...field(8, mapEntry(2, 'cpu', '').slice(0, 0).concat(field(2, [...field(1, 'cpu'), ...field(2, field(1, '250m'))])))];
    const template = [...field(1, mapEntry(11, 'app', 'd')), ...field(2, field(2, container))];
    const spec = [...field(1, 0), ...field(2, mapEntry(1, 'app', 'd')), ...field(3, template)];
    const body = envelope('apps/v1', 'Deployment', [...field(1, field(1, 'd')), ...field(2, spec), ...field(3, [])]);
    const d: any = decodeKubernetesProtobuf(body);
    expect(d.spec.replicas).toBe(0);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'd' } });
    expect(d.spec.template.spec.containers).toEqual([{ name: 'main', image: 'nginx:1.27', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '250m' } } }]);
  });

  it('refuses unsupported kinds and non-zero fields it does not know, instead of dropping them', () => {
    expect(() => decodeKubernetesProtobuf(envelope('batch/v1', 'Job', []))).toThrow(/not supported/);
    expect(() => decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', [...field(1, field(13, 'owner'))]))).toThrow(ProtobufError);
    expect(() => decodeKubernetesProtobuf(Buffer.from('{"json":true}'))).toThrow(/envelope/);
    expect(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0x7f]))).toThrow(/truncated/);
  });
});
