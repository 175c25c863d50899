/**
 * Connects a SimulatedCloudProvider to a cluster's API: when a simulated instance is ready its Node
 * registers (as a kubelet would, with the claim's provider ID, labels and taints); when it is
 * terminated its Node goes. The sandbox's simulated kubelets then make the Node Ready and run pods.
 */
import { nodeResourceLists, type SimulatedCloudProvider, type SimulatedNodeReady } from '../cloud/simulated/provider.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import { isConflict } from '../kube/client.js';
import { Refs } from '../kube/refs.js';

export function nodeForInstance(e: SimulatedNodeReady): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: e.nodeName,
      labels: { 'kubernetes.io/os': 'linux', ...e.labels },
    },
    spec: { providerID: e.providerId, ...(e.taints.length ? { taints: e.taints.map((t) => ({ ...t })) } : {}) },
    status: nodeResourceLists(e),
  };
}

/** Returns the unsubscribe function. */
export function registerSimulatedNodes(cloud: SimulatedCloudProvider, client: KubeClient, onError: (error: unknown) => void = () => {}): () => void {
  return cloud.subscribe((event) => {
    if (event.type === 'NodeReady') {
      client.create(Refs.nodes, nodeForInstance(event)).catch((e) => {
        if (!isConflict(e)) onError(e);
      });
    } else {
      client.delete(Refs.nodes, event.nodeName).catch(onError);
    }
  });
}
