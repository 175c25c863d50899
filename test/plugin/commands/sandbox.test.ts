import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpKubeClient } from '../../../core/kube/client.js';
import { NODES } from '../../../core/sandbox/controlplane/refs.js';
import { Refs } from '../../../core/kube/refs.js';
import { checkSandboxArgs, kubeconfigOutPath, runSandbox, throttledErrors, type SandboxArgs } from '../../../plugin/commands/sandbox.js';
import { CliError, ExitCode } from '../../../plugin/exit-codes.js';
import { usageErrorOf } from '../usage-error.js';

const dir = mkdtempSync(join(tmpdir(), 'sandbox-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function args(overrides: Partial<SandboxArgs> = {}): SandboxArgs {
  return { port: 0, 'kubeconfig-out': join(dir, 'kubeconfig'), speed: 1, nodes: 2, 'node-cpu': '2', 'node-memory': '4Gi', 'node-ready-delay': 0, 'pod-start-delay': 0, ...overrides };
}

describe('kubectl smartscale sandbox', () => {
  it('starts, prints the kubeconfig path and usage, serves kubeconfig clients, and stops on the signal', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let printed = '';
    out.on('data', (d) => (printed += d));
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    const running = runSandbox(args({ 'ebs-attach-limit': 7 }), out, err, () => stopSignal);
    for (let i = 0; i < 100 && !printed.includes('Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(printed).toContain(`kubeconfig: ${join(dir, 'kubeconfig')}`);
    expect(printed).toContain(`export KUBECONFIG=${join(dir, 'kubeconfig')}`);
    const kc = new KubeConfig();
    kc.loadFromString(readFileSync(join(dir, 'kubeconfig'), 'utf8'));
    const client = new HttpKubeClient(kc);
    const nodes = await client.list(NODES);
    expect(nodes.items.map((n) => n.metadata.name)).toEqual(['sandbox-node-1', 'sandbox-node-2']);
    // Each node's CSINode says how many EBS volumes it attaches (--ebs-attach-limit).
    let csiNode;
    for (let i = 0; i < 100 && !(csiNode = await client.get(Refs.csiNodes, 'sandbox-node-1')); i++) await new Promise((r) => setTimeout(r, 20));
    expect(csiNode?.spec?.drivers).toEqual([expect.objectContaining({ name: 'ebs.csi.aws.com', allocatable: { count: 7 } })]);
    client.close();
    stop();
    await running;
    await expect(new HttpKubeClient(kc).list(NODES)).rejects.toMatchObject({ code: 0 });
  });

  it.each([
    [{ port: 70000 }, '--port'],
    [{ speed: 0 }, '--speed'],
    [{ nodes: -1 }, '--nodes'],
    [{ 'pod-start-delay': -2 }, '--pod-start-delay'],
    [{ 'node-cpu': 'abc' }, '--node-cpu: invalid quantity "abc"'],
    [{ 'node-memory': '0' }, '--node-memory must be above 0'],
    [{ trace: 'x.csv' }, '--trace drives the demo\'s traffic: add --demo'],
    [{ 'ebs-attach-limit': -1 }, '--ebs-attach-limit must be an integer from 0 to 1000'],
    [{ 'ebs-attach-limit': 2.5 }, '--ebs-attach-limit'],
  ])('rejects %j with a usage error', (bad, flag) => {
    try {
      checkSandboxArgs(args(bad as Partial<SandboxArgs>));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).exitCode).toBe(ExitCode.usage);
      expect((e as CliError).message).toContain(flag);
    }
  });
});

describe('--kubeconfig-out', () => {
  const refusal = (value: string | undefined) => usageErrorOf(() => kubeconfigOutPath(value));

  it('refuses a directory, a path nothing can be written to and an empty value, before anything starts', () => {
    const adir = join(dir, 'adir');
    mkdirSync(adir, { recursive: true });
    expect(refusal(adir)).toBe(`--kubeconfig-out ${adir}: cannot write the kubeconfig there: it is a directory; name a file`);
    // access(2) says yes to root under /proc; the probe open says no.
    expect(refusal('/proc/smartscale-kc')).toBe('--kubeconfig-out /proc/smartscale-kc: cannot write the kubeconfig there: no such file');
    writeFileSync(join(dir, 'plain-file'), '');
    expect(refusal(join(dir, 'plain-file', 'kc'))).toMatch(/cannot write the kubeconfig there: .*not a directory/);
    expect(refusal('')).toBe('--kubeconfig-out needs a file path');
    expect(refusal('  ')).toBe('--kubeconfig-out needs a file path');
  });

  it('creates the directory, leaves no probe file behind and keeps an existing file', () => {
    const fresh = join(dir, 'new', 'deeper', 'kc');
    expect(kubeconfigOutPath(fresh)).toBe(fresh);
    expect(existsSync(join(dir, 'new', 'deeper'))).toBe(true);
    expect(existsSync(fresh)).toBe(false);
    writeFileSync(join(dir, 'old-kc'), 'kept');
    kubeconfigOutPath(join(dir, 'old-kc'));
    expect(readFileSync(join(dir, 'old-kc'), 'utf8')).toBe('kept');
  });

  it('a refused path installs no signal handler and starts nothing', async () => {
    const before = process.listenerCount('SIGINT');
    let asked = false;
    await expect(runSandbox(args({ 'kubeconfig-out': '' }), new PassThrough(), new PassThrough(), () => ((asked = true), new Promise(() => {})))).rejects.toThrow('--kubeconfig-out needs a file path');
    expect(asked).toBe(false);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('throttledErrors', () => {
  it('prints each source once per window and then says how many it held back', () => {
    const err = new PassThrough();
    let printed = '';
    err.on('data', (d) => (printed += d));
    let now = 0;
    const report = throttledErrors('demo', err, 60_000, () => now);
    report('informer/pods', new Error('watch silent'));
    report('informer/pods', new Error('watch silent'));
    report('informer/nodes', new Error('watch silent'));
    now = 30_000;
    report('informer/pods', new Error('watch silent'));
    now = 61_000;
    report('informer/pods', new Error('watch silent again'));
    expect(printed.split('\n').filter(Boolean)).toEqual([
      'demo informer/pods: watch silent',
      'demo informer/nodes: watch silent',
      'demo informer/pods: watch silent again (2 more from informer/pods held back in the last 60 s)',
    ]);
  });
});

