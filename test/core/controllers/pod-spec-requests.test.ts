/** The planners' pods from Deployment templates and from Pods: requests as the scheduler will see them. */
import { describe, expect, it } from 'vitest';
import { podFromObject, podFromSpec } from '../../../core/controllers/objects.js';
import { GIB } from '../../../core/model/quantity.js';
import { resources } from '../../../core/model/resources.js';

const limitsOnly = { containers: [{ name: 'app', resources: { limits: { cpu: '2', memory: '4Gi' } } }] };

describe('requests of predicted and real pods', () => {
  it('a predicted pod from a limits-only template plans its limits, not zero', () => {
    expect(podFromSpec('shop', 'checkout-predicted-0', {}, limitsOnly, { predicted: true }).requests).toEqual(resources({ milliCpu: 2000, memoryBytes: 4 * GIB, pods: 1 }));
  });

  it('a real pod (defaulted by the API server) plans the same as its template', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'checkout-1', namespace: 'shop' }, spec: { containers: [{ name: 'app', resources: { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } } }] } };
    expect(podFromObject(pod).requests).toEqual(podFromSpec('shop', 'x', {}, limitsOnly).requests);
  });

  it('an unreadable container counts as zero; the others and the limits still count', () => {
    const spec = { containers: [{ name: 'bad', resources: { requests: { cpu: 'lots' } } }, ...limitsOnly.containers] };
    expect(podFromSpec('shop', 'p', {}, spec).requests).toEqual(resources({ milliCpu: 2000, memoryBytes: 4 * GIB, pods: 1 }));
  });
});
