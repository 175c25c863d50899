/**
 * Writes `core/v1` Events, the way a user sees what smartscale did (`kubectl describe`,
 * `kubectl get events`). Best effort, as in Kubernetes: a failure is reported to the caller's
 * error sink, never retried in a loop.
 */
import type { KubeClient, KubeObject } from './client.js';
import { Refs } from './refs.js';

export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  /** Absent for cluster-scoped objects (their Events go to `default`). */
  namespace?: string;
  uid?: string;
}

export interface EventInput {
  involvedObject: InvolvedObject;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase. */
  reason: string;
  message: string;
  /** Milliseconds since the epoch. */
  at: number;
  component: string;
  count?: number;
}

export function eventObject(input: EventInput): KubeObject {
  const ns = input.involvedObject.namespace ?? 'default';
  const time = new Date(input.at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: eventNamePrefix(input.involvedObject), namespace: ns },
    involvedObject: { ...input.involvedObject },
    type: input.type,
    reason: input.reason,
    message: input.message.slice(0, 1024),
    source: { component: input.component },
    reportingComponent: input.component,
    firstTimestamp: time,
    lastTimestamp: time,
    count: input.count ?? 1,
  };
}

export function createEvent(client: KubeClient, input: EventInput): Promise<KubeObject> {
  return client.create(Refs.events, eventObject(input), input.involvedObject.namespace ?? 'default');
}

/**
 * The Event's name prefix: the object's name and a dot, as kubectl's events show them; an object
 * name that cannot start a valid name (empty, or not a DNS subdomain — a hand-made object's
 * mistake) gives the kind's instead, so the Event is still recorded.
 */
export function eventNamePrefix(object: { kind: string; name: string }): string {
  const name = object.name.slice(0, 200);
  if (/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) return `${name}.`;
  const kind = object.kind.toLowerCase().replace(/[^a-z0-9]/g, '') || 'object';
  return `${kind}.`;
}
