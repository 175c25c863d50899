/**
 * Kubernetes Events for everything the controller does, and the webhook's `EventRecorder` on the
 * same writer. Best effort and bounded: at most `maxInFlight` writes at once (more are dropped and
 * counted, as client-go's broadcaster drops under pressure); identical events within `dedupeMs`
 * are written once.
 */
import type { KubeClient } from '../kube/client.js';
import { createEvent, type InvolvedObject } from '../kube/events.js';
import type { Clock } from '../model/clock.js';
import type { AdmissionEvent, EventRecorder } from '../../webhook/events.js';

export const COMPONENT = 'smartscale-controller';

export interface ControllerEvent {
  object: InvolvedObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** What loops call; tests pass a recording fake. */
export interface ControllerEvents {
  emit(event: ControllerEvent): void;
}

export class RecordingControllerEvents implements ControllerEvents {
  readonly events: ControllerEvent[] = [];
  emit(event: ControllerEvent): void {
    this.events.push(event);
  }
}

export class KubeEventRecorder implements ControllerEvents, EventRecorder {
  private inFlight = 0;
  private readonly recent = new Map<string, number>();
  dropped = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly options: { maxInFlight?: number; dedupeMs?: number } = {},
  ) {}

  emit(event: ControllerEvent): void {
    const now = this.clock.now();
    const key = `${event.object.kind}/${event.object.namespace ?? ''}/${event.object.name}/${event.reason}/${event.message}`;
    const last = this.recent.get(key);
    if (last !== undefined && now - last < (this.options.dedupeMs ?? 60_000)) return;
    if (this.inFlight >= (this.options.maxInFlight ?? 16)) {
      this.dropped++;
      return;
    }
    this.recent.set(key, now);
    if (this.recent.size > 5000) for (const k of [...this.recent.keys()].slice(0, 1000)) this.recent.delete(k);
    this.inFlight++;
    createEvent(this.client, { involvedObject: event.object, type: event.type, reason: event.reason, message: event.message, at: now, component: COMPONENT })
      .catch(this.onError)
      .finally(() => this.inFlight--);
  }

  /** The webhook's interface: events about admitted Deployments. */
  record(event: AdmissionEvent): void {
    this.emit({ object: { apiVersion: 'apps/v1', kind: 'Deployment', name: event.name, namespace: event.namespace }, type: event.type, reason: event.reason, message: event.message });
  }
}
