/**
 * Plays the kubelet (and the AWS cloud controller) for instances of the in-memory EC2: when an
 * instance is `running`, a Node registers for it — named after its private DNS name, with the
 * provider ID `aws:///<zone>/<instance-id>`, the labels and taints its launch template's user data
 * passes to the kubelet (`--node-labels`, `--register-with-taints`), the labels the kubelet and the
 * AWS cloud controller set (os, arch, hostname, instance type, zone, region) — nothing else, as on
 * EKS — and the type's capacity. When the instance is shutting down or gone, the Node goes.
 *
 * It is a `NodeEventSource`, so the sandbox's own bridge (core/sandbox/cloud-bridge.ts) turns its
 * events into Node objects, exactly as for the simulated cloud.
 */
import type { Instance } from '@aws-sdk/client-ec2';
import type { SimulatedNodeEvent, SimulatedNodeReady } from '../../../../core/cloud/simulated/provider.js';
import type { NodeEventSource } from '../../../../core/sandbox/cloud-bridge.js';
import { Ec2Tags, tagValue } from '../../../../core/cloud/ec2/tags.js';
import { providerIdFor } from '../../../../core/cloud/ec2/instances.js';
import type { InstanceType } from '../../../../core/model/instance-type.js';
import { Labels } from '../../../../core/model/labels.js';
import type { Taint } from '../../../../core/model/scheduling-constraints.js';
import type { InMemoryEc2 } from './fake-ec2.js';

/** The kubelet flags in a nodeadm NodeConfig (the first part of the user data the provider renders). */
export function kubeletFlags(userDataBase64: string | undefined): { labels: Record<string, string>; taints: Taint[]; maxPods?: number } {
  const text = Buffer.from(userDataBase64 ?? '', 'base64').toString('utf8');
  // nodeadm's kubelet.config: the pods the kubelet admits (its other settings are not modelled here).
  const maxPods = /^ {6}maxPods: (\d+)$/m.exec(text)?.[1];
  const labels: Record<string, string> = {};
  const taints: Taint[] = [];
  for (const m of text.matchAll(/^\s*- ("--[^\n]*")$/gm)) {
    const flag = JSON.parse(m[1]) as string;
    const eq = flag.indexOf('=');
    const name = flag.slice(0, eq);
    const value = flag.slice(eq + 1);
    if (name === '--node-labels') {
      for (const pair of value.split(',')) {
        const i = pair.indexOf('=');
        labels[pair.slice(0, i)] = pair.slice(i + 1);
      }
    } else if (name === '--register-with-taints') {
      for (const t of value.split(',')) {
        const [kv, effect] = t.split(':');
        const [key, v] = kv.split('=');
        taints.push({ key, ...(v ? { value: v } : {}), effect: effect as Taint['effect'] });
      }
    }
  }
  return { labels, taints, ...(maxPods ? { maxPods: Number(maxPods) } : {}) };
}

export class Ec2Kubelets implements NodeEventSource {
  private readonly listeners = new Set<(event: SimulatedNodeEvent) => void>();
  /** Instance ID → the Node registered for it. */
  private readonly registered = new Map<string, SimulatedNodeReady>();

  constructor(
    private readonly ec2: InMemoryEc2,
    /** The instance types as the provider describes them (capacity, allocatable, labels, prices). */
    private readonly types: () => Promise<readonly InstanceType[]>,
  ) {}

  subscribe(listener: (event: SimulatedNodeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Node names registered so far, by instance ID. */
  nodes(): ReadonlyMap<string, string> {
    return new Map([...this.registered].map(([id, e]) => [id, e.nodeName]));
  }

  /** One look at EC2: registers Nodes for running instances and removes those of gone ones. */
  async sync(): Promise<void> {
    this.ec2.advance();
    const types = await this.types();
    for (const instance of this.ec2.instances.values()) {
      const id = instance.InstanceId!;
      const state = instance.State?.Name;
      if (state === 'running' && !this.registered.has(id)) {
        const event = this.ready(instance, types);
        if (!event) continue;
        this.registered.set(id, event);
        this.emit(event);
      } else if ((state === 'shutting-down' || state === 'terminated') && this.registered.has(id)) {
        const ready = this.registered.get(id)!;
        this.registered.delete(id);
        this.emit({ type: 'NodeTerminated', providerId: ready.providerId, nodeClaimName: ready.nodeClaimName, nodeName: ready.nodeName, at: this.ec2.now });
      }
    }
  }

  /** Syncs every `everyMs` of real time until the returned function is called. */
  start(everyMs = 50, onError: (error: unknown) => void = () => {}): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      this.sync()
        .catch(onError)
        .finally(() => (running = false));
    }, everyMs);
    return () => clearInterval(timer);
  }

  private ready(instance: Instance, types: readonly InstanceType[]): SimulatedNodeReady | undefined {
    const type = types.find((t) => t.name === instance.InstanceType);
    // An unknown type would be a kubelet that cannot say its capacity: leave it unregistered.
    if (!type) return undefined;
    const zone = instance.Placement!.AvailabilityZone!;
    const capacityType = instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand';
    const template = this.ec2.launchTemplates.get(this.ec2.templateOf.get(instance.InstanceId!) ?? '');
    const flags = kubeletFlags(template?.data?.UserData);
    const nodeName = instance.PrivateDnsName!;
    return {
      type: 'NodeReady',
      providerId: providerIdFor(zone, instance.InstanceId!),
      nodeClaimName: tagValue(instance.Tags, Ec2Tags.nodeClaim) ?? '',
      nodeName,
      nodePool: tagValue(instance.Tags, Ec2Tags.nodePool) ?? '',
      instanceType: type.name,
      zone,
      capacityType,
      pricePerHour: type.offerings.find((o) => o.zone === zone && o.capacityType === capacityType)?.pricePerHour ?? 0,
      // What a real Node carries: the kubelet's own labels, the cloud controller's, and the user data's.
      labels: {
        ...flags.labels,
        [Labels.os]: 'linux',
        [Labels.arch]: type.labels[Labels.arch],
        [Labels.hostname]: nodeName,
        [Labels.instanceType]: type.name,
        [Labels.zone]: zone,
        [Labels.region]: zone.slice(0, -1),
      },
      taints: flags.taints,
      capacity: flags.maxPods ? { ...type.capacity, pods: flags.maxPods } : type.capacity,
      allocatable: flags.maxPods ? { ...type.allocatable, pods: flags.maxPods } : type.allocatable,
      at: this.ec2.now,
    };
  }

  private emit(event: SimulatedNodeEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
