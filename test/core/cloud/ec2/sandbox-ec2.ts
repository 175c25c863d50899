/**
 * The EC2 path on the sandbox: the controller's real loops on the sandbox API server, with the EC2
 * CloudProvider whose EC2 and IAM clients are aws-sdk-client-mock mocks over the in-memory EC2
 * (fake-ec2.ts), and Nodes registered by the EC2 "kubelets" (ec2-kubelet.ts) through the
 * sandbox's cloud bridge. The EC2NodeClass and NodePool are objects in the API server, read the
 * way the controller reads them.
 */
import { isNotFound, type KubeObject } from '../../../../core/kube/client.js';
import { Refs } from '../../../../core/kube/refs.js';
import { Ec2CloudProvider } from '../../../../core/cloud/ec2/provider.js';
import { UnavailableOfferings } from '../../../../core/cloud/unavailable-offerings.js';
import { parseEC2NodeClass } from '../../../../core/cloud/ec2/node-class.js';
import { connectSimulatedCloud } from '../../../../core/sandbox/cloud-bridge.js';
import { demoNodePool, startSandboxEnvironment, type SandboxEnvironment, type SandboxEnvironmentOptions } from '../../../../core/controllers/sandbox-environment.js';
import type { ControllerOptions, RunningController } from '../../../../core/controllers/controller.js';
import { CLUSTER, nodeClassSpec } from './builders.js';
import { Ec2Kubelets } from './ec2-kubelet.js';
import { InMemoryEc2 } from './fake-ec2.js';
import { InMemoryIam } from './fake-iam.js';

export const EC2_LOOPS = {
  intervals: { provisioner: 2_000, 'node-claim-lifecycle': 2_000, disruption: 5_000, 'garbage-collection': 5_000, forecaster: 60_000, config: 5_000 },
  validationMs: 5_000,
  gcGracePeriodMs: 20_000,
  loopBackoffMs: { initial: 1_000, max: 5_000 },
};

/** The sandbox's demo NodePool (amd64, on-demand), on the EC2NodeClass `default`, consolidating after 30 s. */
export function ec2NodePool(name = 'ec2'): KubeObject {
  const pool = demoNodePool(name);
  pool.spec.template.spec.nodeClassRef = { group: 'smartscale.io', kind: 'EC2NodeClass', name: 'default' };
  pool.spec.disruption.consolidateAfter = '30s';
  return pool;
}

export interface Ec2Sandbox {
  env: SandboxEnvironment;
  ec2: InMemoryEc2;
  iam: InMemoryIam;
  kubelets: Ec2Kubelets;
  /** A controller replica with its own EC2 provider (fresh caches, as a new process) on the same EC2. */
  startController(identity: string, overrides?: Partial<ControllerOptions>): Promise<{ controller: RunningController; provider: Ec2CloudProvider }>;
  stop(): Promise<void>;
}

export async function startEc2Sandbox(options: { bootMs?: number; unavailableTtlMs?: number; sandbox?: SandboxEnvironmentOptions } = {}): Promise<Ec2Sandbox> {
  const env = await startSandboxEnvironment({ speed: 50, nodeReadyDelayMs: 2_000, podStartDelayMs: 2_000, webhook: false, nodePool: ec2NodePool(), controller: EC2_LOOPS, ...options.sandbox });
  const clock = env.sandbox.clock;
  const client = env.sandbox.client;
  await client.create(Refs.ec2NodeClasses, { apiVersion: 'smartscale.io/v1', kind: 'EC2NodeClass', metadata: { name: 'default' }, spec: nodeClassSpec() });
  const ec2 = new InMemoryEc2(clock);
  ec2.bootMs = options.bootMs ?? 20_000;
  ec2.shutdownMs = 5_000;
  const iam = new InMemoryIam();
  const newProvider = () =>
    new Ec2CloudProvider({
      cluster: CLUSTER,
      clock,
      random: () => 0.5,
      unavailableOfferings: new UnavailableOfferings(clock, { ttlMs: options.unavailableTtlMs }),
      createClient: () => ec2.client,
      createIamClient: () => iam.client,
      nodeClasses: async (name) => {
        try {
          // The client answers a 404 with undefined: the provider's "not found".
          const o = await client.get(Refs.ec2NodeClasses, name);
          return o ? parseEC2NodeClass(o) : undefined;
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      },
    });
  // The kubelets read capacity and labels as a provider describes them (their own instance, not a controller's).
  const describer = newProvider();
  const kubelets = new Ec2Kubelets(ec2, () => describer.getInstanceTypes());
  const errors: unknown[] = [];
  const disconnect = connectSimulatedCloud(kubelets, client, (e) => errors.push(e));
  const stopKubelets = kubelets.start(20, (e) => errors.push(e));
  return {
    env,
    ec2,
    iam,
    kubelets,
    async startController(identity, overrides = {}) {
      const provider = newProvider();
      // One list of unavailable offerings, as main.ts wires it: the fleet's exclusions are the controller's.
      const controller = await env.startController(identity, { cloud: provider, unavailable: provider.unavailable, ...overrides });
      return { controller, provider };
    },
    async stop() {
      stopKubelets();
      disconnect();
      await env.stop();
      if (errors.length > 0) throw new Error(`the EC2 kubelets failed: ${errors.map((e) => (e as Error).message).join('; ')}`);
    },
  };
}
