/** The API resources the plugin reads and writes, addressed without discovery. */
import type { ResourceRef } from '../../core/kube/client.js';

export const Resources = {
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  configMaps: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  pods: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  nodeClaims: { group: 'smartscale.io', version: 'v1', plural: 'nodeclaims', namespaced: false },
  nodePools: { group: 'smartscale.io', version: 'v1', plural: 'nodepools', namespaced: false },
  pdbs: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true },
  daemonSets: { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true },
  persistentVolumeClaims: { group: '', version: 'v1', plural: 'persistentvolumeclaims', namespaced: true },
  persistentVolumes: { group: '', version: 'v1', plural: 'persistentvolumes', namespaced: false },
  storageClasses: { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false },
  csiNodes: { group: 'storage.k8s.io', version: 'v1', plural: 'csinodes', namespaced: false },
} as const satisfies Record<string, ResourceRef>;
