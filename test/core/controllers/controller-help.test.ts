/**
 * `smartscale controller --help` lists the loops the controller really registers: the list it is
 * printed from (CONTROLLER_LOOPS) is checked against a controller started on the sandbox.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CONTROLLER_LOOPS, USAGE } from '../../../core/controllers/process-config.js';
import { startSandboxEnvironment, type SandboxEnvironment } from '../../../core/controllers/sandbox-environment.js';

let env: SandboxEnvironment | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
});

describe('smartscale controller --help', () => {
  it('lists exactly the loops a running controller registers (the interruption loop included, as with a queue)', async () => {
    env = await startSandboxEnvironment({ webhook: false });
    const controller = await env.startController('help');
    const registered = Object.values(controller.loops as Record<string, { name: string }>).map((l) => l.name);
    expect(registered).toContain('interruption');
    expect([...CONTROLLER_LOOPS.map((l) => l.name)].sort()).toEqual([...registered].sort());
    for (const name of registered) expect(USAGE, name).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });
});
