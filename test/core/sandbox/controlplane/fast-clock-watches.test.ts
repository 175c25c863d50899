/**
 * On a sped-up clock (the demo runs at 600×) idle watches are not taken for hung ones: the
 * informers' watchdog measures silence on the wall clock. Before, the sandbox's control plane and
 * the controller's smartscale-config watch measured it on the sped-up clock, where 5 minutes of
 * silence is half a second, and relisted every idle watch about twice a second.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { watchClusterConfig } from '../../../../core/controllers/config-watch.js';
import { StaleWatchError } from '../../../../core/kube/informer.js';
import { startSandbox, type Sandbox } from '../../../../core/sandbox/sandbox.js';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

describe('watches on a sped-up sandbox clock', () => {
  it('are not abandoned as silent by the control plane or the config watch', async () => {
    const stale: string[] = [];
    sandbox = await startSandbox({
      speed: 600,
      onError: (where, error) => {
        if (error instanceof StaleWatchError) stale.push(where);
      },
    });
    const config = watchClusterConfig(sandbox.client, {
      clock: sandbox.clock,
      onError: (error) => {
        if (error instanceof StaleWatchError) stale.push('config');
      },
    });
    config.start();
    // 2.5 s of wall time is 25 minutes of sandbox time: five watchdog periods on the sped-up clock.
    await new Promise((r) => setTimeout(r, 2_500));
    config.stop();
    expect(config.watchdogRestarts).toBe(0);
    expect(stale).toEqual([]);
  });
});
