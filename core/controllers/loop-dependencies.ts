/**
 * What every node-side loop (provisioner, node-claim lifecycle, disruption) is given: the API, the
 * shared cluster state, the cloud, the clock, the offerings the cloud recently could not sell, and
 * where to report. One definition, so wiring a new loop cannot forget a piece.
 */
import type { CloudProvider } from '../cloud/provider.js';
import type { UnavailableOfferings } from '../cloud/unavailable-offerings.js';
import type { KubeClient } from '../kube/client.js';
import type { Clock } from '../model/clock.js';
import type { ClusterState } from './cluster-state.js';
import type { ControllerEvents } from './events.js';
import type { ControllerMetrics } from './metrics.js';

export interface NodeLoopDependencies {
  client: KubeClient;
  state: ClusterState;
  cloud: CloudProvider;
  clock: Clock;
  unavailable: UnavailableOfferings;
  controllerMetrics: ControllerMetrics;
  events: ControllerEvents;
  intervalMs?: number;
}
