/**
 * parseInterruptionEvent on EventBridge events shaped as EC2 and AWS Health deliver them (the
 * documented examples' fields), and on what else a queue may hold.
 */
import { describe, expect, it } from 'vitest';
import { isTerminal, parseInterruptionEvent, SPOT_NOTICE_MS, terminatesAt, type InterruptionMessage } from '../../../core/cloud/interruption.js';

const base = { version: '0', id: '7bf73129-1428-4cd3-a780-95db273d1602', account: '123456789012', time: '2026-12-05T07:00:00Z', region: 'us-east-1' };
const body = (o: object) => JSON.stringify({ ...base, ...o });
const AT = Date.parse('2026-12-05T07:00:00Z');

describe('parseInterruptionEvent', () => {
  it('a spot interruption warning', () => {
    const event = body({ 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', resources: ['arn:aws:ec2:us-east-1b:instance/i-0b662ef9931388ba0'], detail: { 'instance-id': 'i-0b662ef9931388ba0', 'instance-action': 'terminate' } });
    expect(parseInterruptionEvent('r1', event)).toEqual({ receipt: 'r1', kind: 'SpotInterruption', instanceIds: ['i-0b662ef9931388ba0'], at: AT, detail: 'spot instance terminate in two minutes' });
  });

  it('a spot hibernation begins at once, a stop in two minutes', () => {
    const warn = (action: string) => body({ 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', detail: { 'instance-id': 'i-0b662ef9931388ba0', 'instance-action': action } });
    expect(parseInterruptionEvent('r', warn('hibernate'))).toMatchObject({ detail: 'spot instance hibernating now' });
    expect(parseInterruptionEvent('r', warn('stop'))).toMatchObject({ detail: 'spot instance stop in two minutes' });
  });

  it('when the instance goes: two minutes after the warning (by the earlier clock), at once for a hibernation', () => {
    const warn = (action: string) => parseInterruptionEvent('r', body({ 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', detail: { 'instance-id': 'i-0b662ef9931388ba0', 'instance-action': action } })) as InterruptionMessage;
    expect(terminatesAt(warn('terminate'), AT + 3_000)).toBe(AT + SPOT_NOTICE_MS);
    // This controller's clock 10 s behind AWS's: counted from when it got the warning, not later.
    expect(terminatesAt(warn('terminate'), AT - 10_000)).toBe(AT - 10_000 + SPOT_NOTICE_MS);
    expect(terminatesAt(warn('stop'), AT)).toBe(AT + SPOT_NOTICE_MS);
    expect(terminatesAt(warn('hibernate'), AT)).toBeUndefined();
    const health = parseInterruptionEvent('r', body({ 'detail-type': 'AWS Health Event', source: 'aws.health', detail: { service: 'EC2', eventTypeCategory: 'scheduledChange', eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED', startTime: 'Sat, 12 Dec 2026 07:00:00 GMT', affectedEntities: [{ entityValue: 'i-0b662ef9931388ba0' }] } })) as InterruptionMessage;
    expect(terminatesAt(health, AT)).toBe(Date.parse('2026-12-12T07:00:00Z'));
    const stopping = parseInterruptionEvent('r', body({ 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: { 'instance-id': 'i-0b662ef9931388ba0', state: 'stopping' } })) as InterruptionMessage;
    expect(terminatesAt(stopping, AT)).toBeUndefined();
  });

  it("only the queue's own account's events, when it is known", () => {
    const event = body({ 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', detail: { 'instance-id': 'i-0b662ef9931388ba0' } });
    expect(parseInterruptionEvent('r', event, { account: '123456789012' })).toMatchObject({ kind: 'SpotInterruption' });
    expect(parseInterruptionEvent('r', event, { account: '210987654321' })).toBe('EC2 Spot Instance Interruption Warning: from account "123456789012", not 210987654321');
  });

  it('a rebalance recommendation (not terminal)', () => {
    const parsed = parseInterruptionEvent('r2', body({ 'detail-type': 'EC2 Instance Rebalance Recommendation', source: 'aws.ec2', detail: { 'instance-id': 'i-044d3a3d3b5a0fc42' } }));
    expect(parsed).toMatchObject({ kind: 'RebalanceRecommendation', instanceIds: ['i-044d3a3d3b5a0fc42'] });
    expect(isTerminal('RebalanceRecommendation')).toBe(false);
    expect(isTerminal('SpotInterruption')).toBe(true);
  });

  it('state changes: stopping, stopped, shutting-down, terminated are; pending and running are not', () => {
    for (const state of ['stopping', 'stopped', 'shutting-down', 'terminated']) {
      expect(parseInterruptionEvent('r', body({ 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: { 'instance-id': 'i-0123456789abcdef0', state } }))).toMatchObject({ kind: 'StateChange', detail: `instance ${state}` });
    }
    for (const state of ['pending', 'running']) {
      expect(parseInterruptionEvent('r', body({ 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', detail: { 'instance-id': 'i-0123456789abcdef0', state } }))).toBe(`EC2 Instance State-change Notification: state ${state} is not an interruption`);
    }
  });

  it('an AWS Health scheduled change for EC2, every affected instance once', () => {
    const event = body({
      'detail-type': 'AWS Health Event',
      source: 'aws.health',
      detail: {
        service: 'EC2',
        eventTypeCode: 'AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
        eventTypeCategory: 'scheduledChange',
        statusCode: 'upcoming',
        startTime: 'Fri, 18 Dec 2026 09:00:00 GMT',
        affectedEntities: [{ entityValue: 'i-0123456789abcdef0' }, { entityValue: 'i-0fedcba9876543210' }, { entityValue: 'i-0123456789abcdef0' }, { entityValue: 'not-an-instance' }],
      },
    });
    expect(parseInterruptionEvent('r', event)).toMatchObject({
      kind: 'ScheduledChange',
      instanceIds: ['i-0123456789abcdef0', 'i-0fedcba9876543210'],
      detail: 'AWS Health AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED',
      startsAt: Date.parse('2026-12-18T09:00:00Z'),
    });
    const closed = body({ 'detail-type': 'AWS Health Event', source: 'aws.health', detail: { service: 'EC2', eventTypeCategory: 'scheduledChange', statusCode: 'closed', affectedEntities: [{ entityValue: 'i-0123456789abcdef0' }] } });
    expect(parseInterruptionEvent('r', closed)).toMatchObject({ kind: 'ScheduledChange', closed: true, instanceIds: ['i-0123456789abcdef0'] });
    const rds = body({ 'detail-type': 'AWS Health Event', source: 'aws.health', detail: { service: 'RDS', eventTypeCategory: 'scheduledChange', affectedEntities: [] } });
    expect(parseInterruptionEvent('r', rds)).toBe('AWS Health Event: service "RDS", not EC2');
    const issue = body({ 'detail-type': 'AWS Health Event', source: 'aws.health', detail: { service: 'EC2', eventTypeCategory: 'issue', affectedEntities: [{ entityValue: 'i-0123456789abcdef0' }] } });
    expect(parseInterruptionEvent('r', issue)).toBe('AWS Health Event: category "issue", not scheduledChange');
  });

  it('anything else is refused with the reason: not JSON, not an event, no detail, a bad instance ID, another event type; a missing time is 0', () => {
    expect(parseInterruptionEvent('r', 'hello')).toBe('not JSON');
    expect(parseInterruptionEvent('r', '[1]')).toBe('not a JSON object');
    expect(parseInterruptionEvent('r', '{}')).toBe('no detail-type or source: not an EventBridge event');
    expect(parseInterruptionEvent('r', body({ 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2' }))).toBe('EC2 Spot Instance Interruption Warning: no detail');
    expect(parseInterruptionEvent('r', body({ 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', detail: { 'instance-id': 'i-xyz' } }))).toContain('is not an instance ID');
    expect(parseInterruptionEvent('r', body({ 'detail-type': 'EC2 AMI State Change', source: 'aws.ec2', detail: {} }))).toBe('EC2 AMI State Change: not an interruption event');
    expect(parseInterruptionEvent('r', body({ 'detail-type': 'Object Created', source: 'aws.s3', detail: {} }))).toBe('aws.s3 Object Created: not an interruption event');
    const untimed = JSON.stringify({ 'detail-type': 'EC2 Spot Instance Interruption Warning', source: 'aws.ec2', detail: { 'instance-id': 'i-0123456789abcdef0' } });
    expect(parseInterruptionEvent('r', untimed)).toMatchObject({ at: 0 });
  });
});
