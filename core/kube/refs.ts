/**
 * Resource references the controller reads and writes (built-in kinds and smartscale's CRDs), so
 * every caller addresses them the same way through the KubeClient facade.
 */
import type { ResourceRef } from './client.js';

export const Refs = {
  pods: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  events: { group: '', version: 'v1', plural: 'events', namespaced: true },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  pdbs: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true },
  nodePools: { group: 'smartscale.io', version: 'v1', plural: 'nodepools', namespaced: false },
  nodeClaims: { group: 'smartscale.io', version: 'v1', plural: 'nodeclaims', namespaced: false },
  ec2NodeClasses: { group: 'smartscale.io', version: 'v1', plural: 'ec2nodeclasses', namespaced: false },
  mutatingWebhookConfigurations: { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', namespaced: false },
  services: { group: '', version: 'v1', plural: 'services', namespaced: true },
  daemonSets: { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true },
  persistentVolumeClaims: { group: '', version: 'v1', plural: 'persistentvolumeclaims', namespaced: true },
  persistentVolumes: { group: '', version: 'v1', plural: 'persistentvolumes', namespaced: false },
  storageClasses: { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  csiNodes: { group: 'storage.k8s.io', version: 'v1', plural: 'csinodes', namespaced: false },
} as const satisfies Record<string, ResourceRef>;
