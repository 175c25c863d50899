/**
 * The EC2 sandbox with a NodePool whose EC2NodeClass is missing (every launch refused as invalid),
 * controllers on a ManualClock, and the counters the launch-backoff tests read.
 */
import type { ControllerOptions, RunningController } from '../../../core/controllers/controller.js';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { Refs } from '../../../core/kube/refs.js';
import { ManualClock } from '../../../core/model/clock.js';
import { EC2_LOOPS, ec2NodePool, startEc2Sandbox, type Ec2Sandbox } from '../cloud/ec2/sandbox-ec2.js';
import { waitFor } from './support.js';

let sandbox: Ec2Sandbox | undefined;

/** For afterEach: stops the sandbox the test started, if any. */
export async function stopSandbox(): Promise<void> {
  await sandbox?.stop();
  sandbox = undefined;
}

export const BACKOFF = { initial: 60_000, max: 480_000 };
/** Short enough to hand over within the first backoff; the renew deadline tolerates the test's jumps. */
export const LEASE = { leaseDurationSeconds: 30, renewDeadlineMs: 25_000, leaseRetryMs: 2_000 };

export interface Replica {
  controller: RunningController;
  events: RecordingControllerEvents;
  warnings: Array<{ obj: object; msg?: string }>;
}

export async function startSandboxWithMissingNodeClass(nodeClass = 'missing'): Promise<{ sandbox: Ec2Sandbox; clock: ManualClock; start: (identity: string, overrides?: Partial<ControllerOptions>) => Promise<Replica> }> {
  const pool = ec2NodePool();
  pool.spec.template.spec.nodeClassRef.name = nodeClass;
  sandbox = await startEc2Sandbox({ sandbox: { nodePool: pool, controller: { ...EC2_LOOPS, ...LEASE, invalidClaimBackoffMs: BACKOFF } } });
  // A day ahead of the sandbox: pods it creates are never "still arriving" for the provisioner's batching.
  const clock = new ManualClock(sandbox.env.sandbox.clock.now() + 86_400_000);
  const started = sandbox;
  return {
    sandbox: started,
    clock,
    async start(identity, overrides = {}) {
      const events = new RecordingControllerEvents();
      const warnings: Replica['warnings'] = [];
      const logger = { info: () => {}, warn: (obj: object, msg?: string) => warnings.push({ obj, msg }) };
      const { controller } = await started.startController(identity, { clock, events, logger, ...overrides });
      return { controller, events, warnings };
    },
  };
}

/** Advances the controllers' clock in steps the lease's renew deadline tolerates, `replica` leading after each. */
export async function advance(clock: ManualClock, ms: number, replica: RunningController): Promise<void> {
  for (let left = ms; left > 0; left -= 10_000) {
    clock.advance(Math.min(left, 10_000));
    await waitFor('leadership after the clock moved', () => replica.isLeader() && replica.state.synced());
  }
}

/**
 * Moves the clock a second at a time until `replica` has taken the lease over (its first attempt
 * is an API call in flight: a single jump could come before it waits on the clock).
 */
export async function takeOver(clock: ManualClock, replica: RunningController): Promise<void> {
  await waitFor('the new replica leads', () => {
    if (replica.isLeader() && replica.state.synced()) return true;
    clock.advance(1_000);
    return false;
  }, 30_000, 20);
}

export const refusals = (c: RunningController) => c.metrics.value('actions', { loop: 'node-claim-lifecycle', action: 'invalid-claim' }) ?? 0;
export const claimsCreated = (c: RunningController) => c.metrics.value('actions', { loop: 'provisioner', action: 'create-claim-pending' }) ?? 0;

export async function launchRefusals(s: Ec2Sandbox): Promise<Array<Record<string, unknown>>> {
  return (await s.env.sandbox.client.get(Refs.nodePools, 'ec2'))?.status?.launchRefusals ?? [];
}

