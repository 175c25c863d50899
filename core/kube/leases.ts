/**
 * `coordination.k8s.io/v1` Leases: the record leader election keeps. Pure helpers over the object
 * plus the two writes (create, replace with resourceVersion) that make acquiring atomic: two
 * candidates racing for one Lease cannot both succeed, the loser gets 409 Conflict.
 */
import { isConflict, type KubeClient, type KubeObject } from './client.js';
import { Refs } from './refs.js';

export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** RFC 3339 with microseconds, as Kubernetes writes MicroTime. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z').replace(/\.(\d{3})000Z$/, '.$1000Z');
}

/** True when nobody holds the lease or its holder has not renewed within the duration. */
export function leaseExpired(lease: Lease, nowMs: number): boolean {
  const holder = lease.spec?.holderIdentity;
  if (!holder) return true;
  const renewed = Date.parse(lease.spec?.renewTime ?? lease.spec?.acquireTime ?? '');
  if (Number.isNaN(renewed)) return true;
  return renewed + (lease.spec?.leaseDurationSeconds ?? 15) * 1000 <= nowMs;
}

/**
 * A holder must be named: an empty (or blank) holder reads as "nobody holds it" (leaseExpired), so
 * two candidates with empty identities would each see the lease free and both lead.
 */
function assertIdentity(identity: string): void {
  if (typeof identity !== 'string' || identity.trim() === '') throw new RangeError('a lease holder identity must not be empty');
}

export type LeaseWrite = { ok: true; lease: Lease } | { ok: false; reason: 'conflict' | 'held' };

export class LeaseClient {
  constructor(private readonly client: KubeClient, readonly namespace: string, readonly name: string) {}

  get(): Promise<Lease | undefined> {
    return this.client.get<Lease>(Refs.leases, this.name, this.namespace);
  }

  /**
   * Takes or renews the lease for `identity` if it is free, expired or already ours. Conflicts
   * (another candidate wrote first) are answers, not errors.
   */
  async tryAcquire(identity: string, durationSeconds: number, nowMs: number): Promise<LeaseWrite> {
    assertIdentity(identity);
    const current = await this.get();
    const now = microTime(nowMs);
    try {
      if (!current) {
        const lease = await this.client.create<Lease>(
          Refs.leases,
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.name, namespace: this.namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
          },
          this.namespace,
        );
        return { ok: true, lease };
      }
      const ours = current.spec?.holderIdentity === identity;
      if (!ours && !leaseExpired(current, nowMs)) return { ok: false, reason: 'held' };
      const spec: LeaseSpec = {
        ...current.spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: now,
        ...(ours ? {} : { acquireTime: now, leaseTransitions: (current.spec?.leaseTransitions ?? 0) + 1 }),
      };
      const lease = await this.client.replace<Lease>(Refs.leases, { ...current, spec });
      return { ok: true, lease };
    } catch (error) {
      // 409: someone else wrote between our read and write (AlreadyExists on create is a 409 too).
      if (isConflict(error)) return { ok: false, reason: 'conflict' };
      throw error;
    }
  }

  /** Gives the lease up if we hold it, so a successor need not wait for it to expire. */
  async release(identity: string): Promise<boolean> {
    assertIdentity(identity);
    const current = await this.get();
    if (!current || current.spec?.holderIdentity !== identity) return false;
    try {
      await this.client.replace<Lease>(Refs.leases, { ...current, spec: { ...current.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: undefined } });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }
}
