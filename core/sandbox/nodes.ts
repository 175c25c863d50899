/** Node objects for simulated machines, as a kubelet would register them. */
import type { KubeObject } from '../kube/client.js';

export interface SimulatedNodeSpec {
  name: string;
  cpu: string;
  memory: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
  providerID?: string;
}

export function simulatedNode(spec: SimulatedNodeSpec): KubeObject {
  const capacity = { cpu: spec.cpu, memory: spec.memory, pods: String(spec.pods ?? 110) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(spec.labels ?? {}),
      },
    },
    spec: {
      ...(spec.providerID ? { providerID: spec.providerID } : {}),
      ...(spec.taints?.length ? { taints: spec.taints } : {}),
    },
    status: { capacity, allocatable: capacity },
  };
}
