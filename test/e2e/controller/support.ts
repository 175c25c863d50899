/**
 * The controller end to end on the sandbox: the sandbox and the controller (with its webhook, the
 * simulated cloud and the simulated metrics the demo traffic is written to) run in this process;
 * everything a user does goes through the real kubectl.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { KubeObject } from '../../../core/kube/client.js';
import { kubectl, type RunResult } from '../plugin/support.js';

export { kubectl };

export function kube(kubeconfig: string, ...args: string[]): Promise<RunResult> {
  return kubectl(['--kubeconfig', kubeconfig, ...args]);
}

export async function kubeOk(kubeconfig: string, ...args: string[]): Promise<string> {
  const r = await kube(kubeconfig, ...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export function writeYaml(objects: KubeObject[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'smartscale-controller-e2e-'));
  const path = join(dir, 'objects.yaml');
  writeFileSync(path, objects.map((o) => dump(o)).join('---\n'));
  return path;
}

/** An opted-in Deployment of the demo. */
export function serviceDeployment(name: string, rpsPerPod: number, replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'shop',
      annotations: { 'smartscale.io/enabled': 'true', 'smartscale.io/target-rps-per-pod': String(rpsPerPod), 'smartscale.io/min-replicas': '2', 'smartscale.io/max-replicas': '40' },
    },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'example', resources: { requests: { cpu: '500m', memory: '512Mi' } } }] } },
    },
  };
}

/**
 * For each service and each replica level k above the start: when demand first needed k ready
 * pods (ceil(demand / rpsPerPod) ≥ k) and when k pods were first Ready. Lead = need − ready.
 */
export function capacityLeads(
  need: Array<{ t: number; replicas: number }>,
  ready: Array<{ t: number; replicas: number }>,
  startLevel: number,
): Array<{ level: number; neededAt: number; readyAt?: number; leadSeconds?: number }> {
  const out: Array<{ level: number; neededAt: number; readyAt?: number; leadSeconds?: number }> = [];
  const maxNeed = need.reduce((m, p) => Math.max(m, p.replicas), 0);
  for (let k = startLevel + 1; k <= maxNeed; k++) {
    const neededAt = need.find((p) => p.replicas >= k)!.t;
    const readyAt = ready.find((p) => p.replicas >= k)?.t;
    out.push({ level: k, neededAt, readyAt, leadSeconds: readyAt === undefined ? undefined : Math.round((neededAt - readyAt) / 1000) });
  }
  return out;
}
