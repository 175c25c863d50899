/** What every simulated controller is given: the API client, the shared clock, the informers, an error sink. */
import type { Clock } from '../../model/clock.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import type { Informer } from '../../kube/informer.js';

export interface ControlPlaneContext {
  client: KubeClient;
  clock: Clock;
  informers: {
    pods: Informer<KubeObject>;
    nodes: Informer<KubeObject>;
    deployments: Informer<KubeObject>;
    replicaSets: Informer<KubeObject>;
    daemonSets: Informer<KubeObject>;
    pdbs: Informer<KubeObject>;
    claims: Informer<KubeObject>;
    volumes: Informer<KubeObject>;
    storageClasses: Informer<KubeObject>;
    csiNodes: Informer<KubeObject>;
    namespaces: Informer<KubeObject>;
  };
  onError: (controller: string, error: unknown) => void;
}

/** The uid of the controlling owner of an object, if it is of `kind`. */
export function controllerUid(o: KubeObject, kind: string): string | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind)?.uid;
}

/** The `namespace/name` key of an object's controlling owner, if it is of `kind`. */
export function controllerKey(o: KubeObject, kind: string): string | undefined {
  const owner = o.metadata.ownerReferences?.find((r) => r.controller && r.kind === kind);
  return owner ? `${o.metadata.namespace}/${owner.name}` : undefined;
}

export function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
