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

/** API calls the provider's source makes (`new XCommand(`), as IAM actions (`ec2:X`, or `iam:X` in files using the IAM client). */
function callsInSource(): string[] {
  const dir = join(repoRoot, 'core/cloud/ec2');
  const calls = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    const service = /from '@aws-sdk\/client-sqs'/.test(text) ? 'sqs' : /from '@aws-sdk\/client-iam'/.test(text) && !/from '@aws-sdk\/client-ec2'/.test(text) ? 'iam' : 'ec2';
    // A batch call is authorized by its single action (SQS DeleteMessageBatch → sqs:DeleteMessage).
    for (const m of text.matchAll(/new (\w+)Command\(/g)) calls.add(`${service}:${service === 'sqs' ? m[1].replace(/Batch$/, '') : m[1]}`);
  }
  return [...calls].sort();
}

describe('example IAM policy (manifests/iam)', () => {
  it('allows every EC2 call the provider makes, plus what an instant fleet needs', () => {
    const calls = callsInSource();
    expect(calls).toContain('ec2:CreateFleet');
    expect(calls).toContain('iam:CreateInstanceProfile');
    expect(calls).toContain('sqs:ReceiveMessage');
    expect(calls).toContain('sqs:DeleteMessage');
    expect(calls.filter((c) => !allowed.has(c))).toEqual([]);
    for (const needed of ['ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole', 'iam:TagInstanceProfile']) expect(allowed).toContain(needed);
  });

  it('grants no wildcard actions and nothing the provider does not use', () => {
    for (const action of allowed) expect(action).not.toMatch(/\*/);
    const used = new Set([...callsInSource(), 'ec2:RunInstances', 'ec2:CreateTags', 'iam:PassRole', 'iam:TagInstanceProfile']);
    expect([...allowed].filter((a) => !used.has(a))).toEqual([]);
  });

  it('conditions every create, tag and terminate on the smartscale cluster tag', () => {
    const mutating = policy.Statement.filter((s) => list(s.Action).some((a) => /^(ec2:(Create|Terminate|RunInstances)|iam:(Create|Tag|AddRole|RemoveRole))/.test(a)));
    const unconditioned = mutating.filter((s) => !JSON.stringify(s.Condition ?? {}).includes(`/${Ec2Tags.cluster}`));
    // Only the statement for launch inputs (AMIs, subnets, security groups: not created, only used) is exempt.
    expect(unconditioned.map((s) => s.Sid)).toEqual(['LaunchFromSelectedInputs']);
    expect(list(unconditioned[0].Resource).every((r) => /:(image|snapshot|security-group|subnet)\/\*$/.test(r))).toBe(true);
    const terminate = policy.Statement.find((s) => list(s.Action).includes('ec2:TerminateInstances'))!;
    expect(Object.keys(terminate.Condition!.StringEquals)).toEqual([`aws:ResourceTag/${Ec2Tags.cluster}`]);
    const tagging = policy.Statement.find((s) => list(s.Action).includes('ec2:CreateTags'))!;
    expect(tagging.Condition!.StringEquals['ec2:CreateAction']).toEqual(['CreateFleet', 'RunInstances', 'CreateLaunchTemplate']);
  });

  it('limits instance profile management to profiles under /smartscale/', () => {
    const iam = policy.Statement.filter((s) => list(s.Action).some((a) => a.startsWith('iam:') && a !== 'iam:PassRole'));
    expect(iam.flatMap((s) => list(s.Resource))).toEqual(iam.map(() => 'arn:aws:iam::${AWS_ACCOUNT_ID}:instance-profile/smartscale/*'));
  });

  it('passes only the node role, only to EC2', () => {
    const pass = policy.Statement.find((s) => list(s.Action).includes('iam:PassRole'))!;
    expect(pass.Resource).toBe('arn:aws:iam::${AWS_ACCOUNT_ID}:role/${NODE_ROLE_NAME}');
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } });
  });
});
