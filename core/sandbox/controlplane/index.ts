/**
 * The simulated control plane: deployment, ReplicaSet and DaemonSet controllers, scheduler (with volume
 * binding and attach limits), kubelets (with their CSINodes) and the disruption controller, sharing
 * one set of informers. It talks to the API only through a KubeClient, so it runs against the sandbox
 * API server or a real one alike.
 */
import { systemClock, type Clock } from '../../model/clock.js';
import type { KubeClient, KubeObject, ResourceRef } from '../../kube/client.js';
import { Informer } from '../../kube/informer.js';
import type { ControlPlaneContext } from './context.js';
import { DeploymentController } from './deployment-controller.js';
import { DisruptionController } from './disruption-controller.js';
import { KubeletSimulator } from './kubelet.js';
import { DaemonSetController } from './daemonset-controller.js';
import { checkCsiDrivers, DEFAULT_CSI_DRIVERS, type SimulatedCsiDriver } from './csi-node.js';
import { CSINODES, DAEMONSETS, DEPLOYMENTS, NAMESPACES, NODES, PDBS, PODS, PVCS, PVS, REPLICASETS, STORAGE_CLASSES } from './refs.js';
import { ReplicaSetController } from './replicaset-controller.js';
import { Scheduler } from './scheduler.js';

export interface ControlPlaneOptions {
  client: KubeClient;
  clock: Clock;
  /** Clock time from a Node's creation to Ready (default 5 s). */
  nodeReadyDelayMs?: number;
  /** Clock time from a pod's binding to Running and Ready (default 2 s). */
  podStartDelayMs?: number;
  /** Graceful pod deletion's shutdown length (core/sandbox/sandbox.ts). */
  podShutdownMs?: number;
  /** The CSI drivers each node's CSINode lists, with their attach limits (default `DEFAULT_CSI_DRIVERS`). */
  csiDrivers?: readonly SimulatedCsiDriver[];
  onError?: (controller: string, error: unknown) => void;
}

export interface RunningControlPlane {
  stop(): void;
  /** True when no controller has work queued or running (tests poll it). */
  idle(): boolean;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<RunningControlPlane> {
  const onError = options.onError ?? (() => {});
  const csiDrivers = options.csiDrivers ?? DEFAULT_CSI_DRIVERS;
  checkCsiDrivers(csiDrivers);
  const informer = (res: ResourceRef, name: string) =>
    // The watchdog measures silence on the wall clock: on the sandbox's sped-up clock (600× in the
    // demo) 5 minutes of silence is half a second, and every idle watch was relisted twice a second.
    new Informer<KubeObject>(options.client, res, { clock: options.clock, watchdogClock: systemClock, onError: (e) => onError(`informer/${name}`, e) });
  const informers = {
    pods: informer(PODS, 'pods'),
    nodes: informer(NODES, 'nodes'),
    deployments: informer(DEPLOYMENTS, 'deployments'),
    replicaSets: informer(REPLICASETS, 'replicasets'),
    daemonSets: informer(DAEMONSETS, 'daemonsets'),
    pdbs: informer(PDBS, 'poddisruptionbudgets'),
    claims: informer(PVCS, 'persistentvolumeclaims'),
    volumes: informer(PVS, 'persistentvolumes'),
    storageClasses: informer(STORAGE_CLASSES, 'storageclasses'),
    csiNodes: informer(CSINODES, 'csinodes'),
    namespaces: informer(NAMESPACES, 'namespaces'),
  };
  const ctx: ControlPlaneContext = { client: options.client, clock: options.clock, informers, onError };
  const controllers = [
    new DeploymentController(ctx),
    new ReplicaSetController(ctx),
    new DaemonSetController(ctx),
    new Scheduler(ctx),
    new KubeletSimulator(ctx, { nodeReadyDelayMs: options.nodeReadyDelayMs ?? 5000, podStartDelayMs: options.podStartDelayMs ?? 2000, podShutdownMs: options.podShutdownMs, csiDrivers }),
    new DisruptionController(ctx),
  ];
  await Promise.all(Object.values(informers).map((i) => i.start()));
  return {
    stop() {
      for (const c of controllers) c.stop();
      for (const i of Object.values(informers)) i.stop();
    },
    idle: () => controllers.every((c) => c.idle()),
  };
}
