/**
 * Connects the simulated cloud to the sandbox cluster: when a simulated instance is ready, a Node
 * registers for it (labels, taints, providerID, capacity and allocatable from the instance type);
 * when it is terminated, its Node is deleted (and the kubelet simulation deletes the pods on it).
 * The cloud already waited its launch delay, so these Nodes are Ready at once.
 */
import { nodeResourceLists, type SimulatedCloudProvider, type SimulatedNodeEvent, type SimulatedNodeReady } from '../cloud/simulated/provider.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import { READY_DELAY_ANNOTATION } from './controlplane/kubelet.js';
import { NODES } from './controlplane/refs.js';

export type NodeEventSource = Pick<SimulatedCloudProvider, 'subscribe'>;

export function nodeForInstance(event: SimulatedNodeReady): KubeObject {
  const { capacity, allocatable } = nodeResourceLists(event);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: event.nodeName,
      labels: { 'kubernetes.io/os': 'linux', ...event.labels },
      annotations: { [READY_DELAY_ANNOTATION]: '0', 'smartscale.io/nodeclaim': event.nodeClaimName },
    },
    spec: { providerID: event.providerId, ...(event.taints.length ? { taints: event.taints.map((t) => ({ ...t })) } : {}) },
    status: { capacity, allocatable },
  };
}

/** Starts mirroring cloud events into Nodes; returns the function that stops it. */
export function connectSimulatedCloud(cloud: NodeEventSource, client: KubeClient, onError: (error: unknown) => void = () => {}): () => void {
  const handle = async (event: SimulatedNodeEvent) => {
    if (event.type === 'NodeReady') {
      try {
        await client.create(NODES, nodeForInstance(event));
      } catch (error) {
        // Already registered (a replayed event): nothing to do.
        if ((error as { code?: number }).code !== 409) throw error;
      }
    } else {
      await client.delete(NODES, event.nodeName);
    }
  };
  return cloud.subscribe((event) => {
    handle(event).catch(onError);
  });
}
