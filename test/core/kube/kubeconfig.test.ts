import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kubeConfigLike, KubeconfigError, loadKubeconfig, mergeKubeconfigs, resolveKubeconfig } from '../../../core/kube/kubeconfig.js';

function config(name: string, server: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server } }],
    users: [{ name, user: { token: `token-${name}` } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
    ...extra,
  };
}

describe('mergeKubeconfigs (kubectl precedence)', () => {
  it('takes current-context from the first file that sets it', () => {
    const merged = mergeKubeconfigs([
      { path: '/a', document: { ...config('a', 'https://a'), 'current-context': undefined } },
      { path: '/b', document: config('b', 'https://b') },
      { path: '/c', document: config('c', 'https://c') },
    ]);
    expect(merged.currentContext).toBe('b');
    expect([...merged.contexts.keys()]).toEqual(['a', 'b', 'c']);
  });

  it('keeps the first definition of each named cluster, user and context', () => {
    const merged = mergeKubeconfigs([
      { path: '/first', document: config('shared', 'https://first') },
      { path: '/second', document: config('shared', 'https://second') },
    ]);
    const resolved = resolveKubeconfig(merged);
    expect(resolved.server).toBe('https://first');
    expect(resolved.token).toBe('token-shared');
  });

  it('treats an empty file as an empty config and rejects a non-mapping', () => {
    expect(mergeKubeconfigs([{ path: '/empty', document: null }]).contexts.size).toBe(0);
    expect(() => mergeKubeconfigs([{ path: '/list', document: [1, 2] }])).toThrow(KubeconfigError);
    expect(() => mergeKubeconfigs([{ path: '/bad', document: { clusters: [{ cluster: {} }] } }])).toThrow(/needs a name/);
  });
});

describe('resolveKubeconfig', () => {
  const merged = mergeKubeconfigs([{ path: '/k', document: { ...config('dev', 'https://dev:6443'), contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'dev', namespace: 'shop' } }, { name: 'broken', context: { cluster: 'nowhere' } }] } }]);

  it('uses the context namespace, and --context overrides the current context', () => {
    expect(resolveKubeconfig(merged).namespace).toBe('shop');
    expect(() => resolveKubeconfig(merged, 'missing')).toThrow('context "missing" does not exist');
    expect(() => resolveKubeconfig(merged, 'broken')).toThrow('names cluster "nowhere", which is not defined');
  });

  it('says when there is no kubeconfig or no current context', () => {
    expect(() => resolveKubeconfig(mergeKubeconfigs([]))).toThrow(/no kubeconfig found/);
    expect(() => resolveKubeconfig(mergeKubeconfigs([{ path: '/x', document: { clusters: [] } }]))).toThrow(/no current context/);
  });

  it('refuses a server that is not a URL and an auth-provider user', () => {
    const bad = mergeKubeconfigs([{ path: '/k', document: config('x', 'not a url') }]);
    expect(() => resolveKubeconfig(bad)).toThrow(/is not a URL/);
    const ap = mergeKubeconfigs([{ path: '/k', document: { ...config('x', 'https://x'), users: [{ name: 'x', user: { 'auth-provider': { name: 'gcp' } } }] } }]);
    expect(() => resolveKubeconfig(ap)).toThrow(/auth-provider "gcp"/);
  });
});

describe('loadKubeconfig from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
  writeFileSync(join(dir, 'ca.pem'), 'CA-PEM');
  writeFileSync(join(dir, 'token'), 'file-token\n');
  writeFileSync(
    join(dir, 'one'),
    JSON.stringify({
      clusters: [{ name: 'c', cluster: { server: 'https://one', 'certificate-authority': 'ca.pem' } }],
      users: [{ name: 'u', user: { tokenFile: 'token' } }],
      contexts: [{ name: 'one', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'one',
    }),
  );
  writeFileSync(join(dir, 'two'), JSON.stringify(config('two', 'https://two')));

  it('merges the KUBECONFIG list, skipping missing files, with paths relative to their file', () => {
    const resolved = loadKubeconfig({ envList: [join(dir, 'missing'), join(dir, 'one'), '', join(dir, 'two')].join(':') });
    expect(resolved).toMatchObject({ contextName: 'one', server: 'https://one', caPem: 'CA-PEM', token: 'file-token', namespace: 'default' });
    expect(loadKubeconfig({ envList: `${join(dir, 'one')}:${join(dir, 'two')}`, context: 'two' }).server).toBe('https://two');
  });

  it('uses only --kubeconfig when given, and it must exist', () => {
    expect(loadKubeconfig({ explicitPath: join(dir, 'two'), envList: join(dir, 'one') }).contextName).toBe('two');
    expect(() => loadKubeconfig({ explicitPath: join(dir, 'nope') })).toThrow(/does not exist/);
  });

  it('falls back to ~/.kube/config', () => {
    const home = mkdtempSync(join(tmpdir(), 'home-'));
    expect(() => loadKubeconfig({ home })).toThrow(/no kubeconfig found/);
  });

  it('applies token, CA and an exec credential plugin to request options', async () => {
    const plugin = join(dir, 'cred.sh');
    writeFileSync(plugin, '#!/bin/sh\necho \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token"}}\'\n');
    chmodSync(plugin, 0o755);
    const merged = mergeKubeconfigs([{ path: join(dir, 'k'), document: { ...config('e', 'https://e'), users: [{ name: 'e', user: { exec: { command: './cred.sh', apiVersion: 'client.authentication.k8s.io/v1' } } }] } }]);
    const options: Record<string, any> = {};
    await kubeConfigLike(resolveKubeconfig(merged)).applyToHTTPSOptions(options);
    expect(options.headers.Authorization).toBe('Bearer exec-token');
    const plain: Record<string, any> = {};
    await kubeConfigLike(loadKubeconfig({ explicitPath: join(dir, 'one') })).applyToHTTPSOptions(plain);
    expect(plain).toMatchObject({ ca: 'CA-PEM', headers: { Authorization: 'Bearer file-token' } });
  });
});
