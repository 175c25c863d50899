import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ec2Tags } from '../../../../core/cloud/ec2/tags.js';
import { repoRoot } from '../../../support/shared.js';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const policy = JSON.parse(readFileSync(join(repoRoot, 'manifests/iam/smartscale-controller-policy.json'), 'utf8')) as { Statement: Statement[] };
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const allowed = new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action)));

/** EC2 API calls the provider's source makes (`new XCommand(`). */
function callsInSource(): string[] {
  const dir = join(repoRoot, 'core/cloud/ec2');
  const calls = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/new (\w+)Command\(/g)) calls.add(m[1]);
  }
  return [...calls].sort();
}

describe('example IAM policy (manifests/iam)', () => {
  it('allows every EC2 call the provider makes, plus what an instant fleet needs', () => {
    const calls = callsInSource();
    expect(calls).toContain('CreateFleet');
    expect(calls.filter((c) => !allowed.has(`ec2:${c}`))).toEqual([]);
    for (const needed of ['ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole']) expect(allowed).toContain(needed);
  });

  it('grants no wildcard actions and nothing the provider does not use', () => {
    for (const action of allowed) expect(action).not.toMatch(/\*/);
    const used = new Set([...callsInSource().map((c) => `ec2:${c}`), 'ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole']);
    expect([...allowed].filter((a) => !used.has(a))).toEqual([]);
  });

  it('conditions every create, tag and terminate on the smartscale cluster tag', () => {
    const mutating = policy.Statement.filter((s) => list(s.Action).some((a) => /^ec2:(Create|Terminate|RunInstances)/.test(a)));
    const unconditioned = mutating.filter((s) => !JSON.stringify(s.Condition ?? {}).includes(`/${Ec2Tags.cluster}`));
    // Only the statement for launch inputs (AMIs, subnets, security groups: not created, only used) is exempt.
    expect(unconditioned.map((s) => s.Sid)).toEqual(['LaunchFromSelectedInputs']);
    expect(list(unconditioned[0].Resource).every((r) => /:(image|snapshot|security-group|subnet)\/\*$/.test(r))).toBe(true);
    const terminate = policy.Statement.find((s) => list(s.Action).includes('ec2:TerminateInstances'))!;
    expect(Object.keys(terminate.Condition!.StringEquals)).toEqual([`aws:ResourceTag/${Ec2Tags.cluster}`]);
    const tagging = policy.Statement.find((s) => list(s.Action).includes('ec2:CreateTags'))!;
    expect(tagging.Condition!.StringEquals['ec2:CreateAction']).toEqual(['CreateFleet', 'RunInstances', 'CreateLaunchTemplate']);
  });

  it('passes only the node role, only to EC2', () => {
    const pass = policy.Statement.find((s) => list(s.Action).includes('iam:PassRole'))!;
    expect(pass.Resource).toBe('arn:aws:iam::${AWS_ACCOUNT_ID}:role/${NODE_ROLE_NAME}');
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });
});
