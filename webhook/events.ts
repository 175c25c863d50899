/**
 * Kubernetes Events about admitted Deployments (bad annotation values). The webhook never writes to
 * the API server on the admission path: the server calls the recorder after the response is sent,
 * and never for a dryRun request.
 */

export interface AdmissionEvent {
  namespace: string;
  /** The Deployment's name (may be empty on a CREATE with generateName). */
  name: string;
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, as Kubernetes expects, e.g. `InvalidAnnotation`. */
  reason: string;
  message: string;
}

/**
 * Records Events. Implementations must not block for long and may drop events under pressure
 * (Events are best effort in Kubernetes too); a rejected promise is logged and counted, never retried
 * by the caller.
 */
export interface EventRecorder {
  record(event: AdmissionEvent): void | Promise<void>;
}

export const NO_EVENTS: EventRecorder = { record: () => undefined };

/** Keeps events in memory: for tests and the sandbox. */
export class RecordingEventRecorder implements EventRecorder {
  readonly events: AdmissionEvent[] = [];

  constructor(private readonly limit = 1000) {}

  record(event: AdmissionEvent): void {
    if (this.events.length < this.limit) this.events.push(event);
  }
}
