/**
 * Event names: the involved object's name and a dot (kubectl shows Events so), and the kind's when
 * the name cannot start a valid object name — an Event about a hand-made object with a bad or empty
 * name was refused by the API server and lost.
 */
import { describe, expect, it } from 'vitest';
import { eventNamePrefix, eventObject } from '../../../core/kube/events.js';

describe('eventNamePrefix', () => {
  it("is the object's name and a dot", () => {
    expect(eventNamePrefix({ kind: 'NodeClaim', name: 'default-x7k2p' })).toBe('default-x7k2p.');
    expect(eventNamePrefix({ kind: 'Node', name: 'ip-10-0-1-2.ec2.internal' })).toBe('ip-10-0-1-2.ec2.internal.');
  });

  it("falls back to the kind for a name that cannot start an object name", () => {
    for (const name of ['', '.hidden', 'Upper', 'a b', '-dash', 'x'.repeat(300).replace(/^/, '_')]) {
      expect(eventNamePrefix({ kind: 'NodePool', name })).toBe('nodepool.');
    }
  });

  it('an Event object carries the prefix as generateName', () => {
    const e = eventObject({ involvedObject: { apiVersion: 'smartscale.io/v1', kind: 'NodePool', name: '' }, type: 'Warning', reason: 'X', message: 'm', at: 0, component: 'c' });
    expect(e.metadata.generateName).toBe('nodepool.');
  });
});
