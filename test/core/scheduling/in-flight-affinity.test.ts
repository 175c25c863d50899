import { describe, expect, it } from 'vitest';
import { Labels } from '../../../core/model/labels.js';
import type { Pod, ZoneAffinityQuestion } from '../../../core/model/pod.js';
import { linkInFlightAffinity, strayFollowers, UNKNOWN_ZONE } from '../../../core/scheduling/in-flight-affinity.js';
import { pod } from './builders.js';

const ask = (app: string, namespaces: readonly string[] | 'all' = ['default']): ZoneAffinityQuestion => ({ topologyKey: Labels.zone, namespaces, labelSelector: { matchLabels: { app } } });
const named = (name: string, app: string, extra: Partial<Pod> = {}) => pod({ name, labels: { app }, ...extra });
const spread = { topologySpread: [{ topologyKey: Labels.zone, maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule' as const, labelSelector: { app: 'cache' } }] };

describe('linkInFlightAffinity', () => {
  it('nothing awaits: the pods as given, no groups', () => {
    const input = [named('a', 'cache'), named('b', 'web')];
    const out = linkInFlightAffinity(input);
    expect(out.pods).toBe(input);
    expect(out.groups.size).toBe(0);
  });

  it('a follower and every pod its term selects share one zone group; unrelated pods are untouched', () => {
    const input = [named('cache-0', 'cache'), named('cache-1', 'cache'), named('web-0', 'web', { awaitsZoneAffinity: [ask('cache')] }), named('db-0', 'db')];
    const out = linkInFlightAffinity(input);
    expect(out.waiting).toEqual([]);
    const group = (name: string) => out.pods.find((p) => p.name === name)!.zoneGroup;
    expect(group('cache-0')).toBe('in-flight:default/cache-0');
    expect(group('cache-1')).toBe(group('cache-0'));
    expect(group('web-0')).toBe(group('cache-0'));
    expect(group('db-0')).toBeUndefined();
    expect(out.groups.get('in-flight:default/cache-0')).toEqual({ leaders: new Set(['default/cache-0', 'default/cache-1']), followers: new Set(['default/web-0']) });
  });

  it('no pod of the pass answers (other namespace, other label, only other followers, only zone-spread pods): it waits and is not planned', () => {
    const input = [
      pod({ name: 'cache-x', namespace: 'other', labels: { app: 'cache' } }),
      named('web-0', 'web', { awaitsZoneAffinity: [ask('cache')] }),
      named('api-0', 'api', { awaitsZoneAffinity: [ask('web')] }),
      named('spread-cache', 'search', spread),
      named('ui-0', 'ui', { awaitsZoneAffinity: [ask('search')] }),
    ];
    const out = linkInFlightAffinity(input);
    expect(out.waiting.map((w) => w.pod)).toEqual(['default/web-0', 'default/api-0', 'default/ui-0']);
    expect(out.waiting[0].message).toBe('no running pod, nor one planned with it, matches its required pod affinity (topology key topology.kubernetes.io/zone)');
    expect(out.pods.map((p) => p.name)).toEqual(['cache-x', 'spread-cache']);
    // The same term looking in every namespace finds the other namespace's cache.
    const all = linkInFlightAffinity([input[0], named('web-0', 'web', { awaitsZoneAffinity: [ask('cache', 'all')] })]);
    expect(all.waiting).toEqual([]);
    // The group is named by its least member, whatever the order of the pods.
    expect(new Set(all.pods.map((p) => p.zoneGroup))).toEqual(new Set(['in-flight:default/web-0']));
    const reversed = linkInFlightAffinity([...all.pods].reverse().map(({ zoneGroup: _g, ...p }) => p));
    expect(new Set(reversed.pods.map((p) => p.zoneGroup))).toEqual(new Set(['in-flight:default/web-0']));
  });

  it('a follower with a zone spread of its own waits (it cannot be kept in one zone)', () => {
    const out = linkInFlightAffinity([named('cache-0', 'cache'), named('web-0', 'web', { ...spread, awaitsZoneAffinity: [ask('cache')] })]);
    expect(out.waiting.map((w) => w.pod)).toEqual(['default/web-0']);
  });

  it('groups merge: two followers of different leaders sharing one, and a self-attracting leader group', () => {
    const input = [
      named('q-0', 'queue', { zoneGroup: 'self:q' }),
      named('q-1', 'queue', { zoneGroup: 'self:q' }),
      named('cache-0', 'cache'),
      named('web-0', 'web', { awaitsZoneAffinity: [ask('cache'), ask('queue')] }),
      named('worker-0', 'worker', { awaitsZoneAffinity: [ask('queue')] }),
    ];
    const out = linkInFlightAffinity(input);
    expect(new Set(out.pods.map((p) => p.zoneGroup))).toEqual(new Set(['in-flight:default/cache-0']));
    expect(out.groups.get('in-flight:default/cache-0')?.followers).toEqual(new Set(['default/web-0', 'default/worker-0']));
  });
});

describe('strayFollowers', () => {
  const groups = new Map([['g', { leaders: new Set(['ns/cache-0', 'ns/cache-1']), followers: new Set(['ns/web-0', 'ns/web-1']) }]]);
  const none = new Set<string>();
  it('followers in a zone where a leader is planned stay; in another zone, or with no leader planned, they go', () => {
    expect(strayFollowers(groups, new Map([['ns/cache-0', 'a'], ['ns/web-0', 'a'], ['ns/web-1', 'a']]), none)).toEqual([]);
    expect(strayFollowers(groups, new Map([['ns/cache-0', 'a'], ['ns/cache-1', 'b'], ['ns/web-0', 'b'], ['ns/web-1', 'c']]), none)).toEqual(['ns/web-1']);
    expect(strayFollowers(groups, new Map([['ns/web-0', 'a']]), none)).toEqual(['ns/web-0']);
    // A follower not planned at all is already reported by the solver.
    expect(strayFollowers(groups, new Map([['ns/cache-0', 'a']]), none)).toEqual([]);
  });

  it('a zone not known (a claim allowing several) is no leader’s and every follower’s stray', () => {
    expect(strayFollowers(groups, new Map([['ns/cache-0', UNKNOWN_ZONE], ['ns/web-0', UNKNOWN_ZONE]]), none)).toEqual(['ns/web-0']);
  });

  it('a leader planned onto an existing node: followers get no new node (where the scheduler starts it is its choice); on existing nodes they stay', () => {
    const zones = new Map([['ns/cache-0', 'a'], ['ns/web-0', 'a'], ['ns/web-1', 'a']]);
    expect(strayFollowers(groups, zones, new Set(['ns/cache-0']))).toEqual(['ns/web-0', 'ns/web-1']);
    expect(strayFollowers(groups, zones, new Set(['ns/cache-0', 'ns/web-1']))).toEqual(['ns/web-0']);
  });
});
