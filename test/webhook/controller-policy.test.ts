/**
 * The webhook policy a controller replica serves (`RunningController.policy()`, what the sandbox
 * demo's in-process webhook uses): its mode, and the `webhook.*` keys of `smartscale-config` over
 * the built-in defaults, following edits of the ConfigMap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningController } from '../../core/controllers/controller.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../core/controllers/sandbox-environment.js';
import { Refs } from '../../core/kube/refs.js';
import { DEFAULT_CONTEXT } from '../../webhook/mutate/index.js';

let env: SandboxEnvironment;
let controller: RunningController;

beforeAll(async () => {
  env = await startSandboxEnvironment({ webhook: false, nodePool: null, mode: 'observe', config: { 'webhook.defaultMaxReplicas': '8' }, controller: { intervals: { config: 1_000 } } });
  controller = await env.startController('a');
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describe("a controller replica's webhook policy", { timeout: 30_000 }, () => {
  it('starts from the ConfigMap over the built-in defaults', () => {
    expect(controller.policy()).toEqual({ ...DEFAULT_CONTEXT, clusterMode: 'observe', defaultMaxReplicas: 8 });
  });

  it('follows an edit of the mode and the webhook keys; an invalid value falls back to the default', async () => {
    await env.sandbox.client.patch(Refs.configMaps, 'smartscale-config', 'smartscale-system', { data: { mode: 'optimize', 'webhook.defaultMaxReplicas': 'many', 'webhook.leadSteps': '4' } }, 'merge');
    await until(() => controller.policy().clusterMode === 'optimize' && controller.policy().leadSteps === 4);
    expect(controller.policy()).toEqual({ ...DEFAULT_CONTEXT, clusterMode: 'optimize', leadSteps: 4 });
  });
});
