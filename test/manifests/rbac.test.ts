/**
 * RBAC is least privilege in both directions: every API call the code makes is granted (a missing
 * verb is a 403 at run time, in production only), and nothing is granted that no code uses.
 *
 * The calls are read from the source itself: starting at each process's entry point, relative
 * imports are followed and the call sites of the KubeClient facade, its helpers, informers and the
 * client-node APIs are collected. Code that only ever talks to the in-process sandbox is left out.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Refs } from '../../core/kube/refs.js';
import { projectRoot } from '../webhook/builders.js';
import { loadManifest, type Doc } from './load.js';

const root = projectRoot();
const NAMESPACE = 'smartscale-system';

/** Files whose calls go to the in-process sandbox API server, never to a real cluster. */
const SANDBOX_ONLY = [
  /^core\/sandbox\//,
  /^core\/controllers\/(demo|demo-workload|sandbox-environment|sandbox-nodes|manifests)\.ts$/,
];

function sourceFiles(entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (path: string) => {
    const rel = relative(root, path);
    if (files.has(rel) || SANDBOX_ONLY.some((p) => p.test(rel))) return;
    const text = readFileSync(path, 'utf8');
    files.set(rel, text);
    for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?from\s+'(\.[^']+)'/g)) {
      visit(resolve(dirname(path), spec.replace(/\.js$/, '.ts')));
    }
  };
  visit(join(root, entry));
  return files;
}

type RefName = keyof typeof Refs;
const refResource = (name: string): { group: string; resource: string } => {
  const ref = Refs[name as RefName];
  if (!ref) throw new Error(`unknown Refs.${name}`);
  return { group: ref.group, resource: ref.plural };
};

const CLIENT_VERBS: Record<string, string> = { create: 'create', get: 'get', replace: 'update', delete: 'delete', patch: 'patch' };
const CLIENT_NODE_CALLS: Record<string, [group: string, resource: string, verb: string]> = {
  readNamespacedSecret: ['', 'secrets', 'get'],
  createNamespacedSecret: ['', 'secrets', 'create'],
  replaceNamespacedSecret: ['', 'secrets', 'update'],
  readMutatingWebhookConfiguration: ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations', 'get'],
  replaceMutatingWebhookConfiguration: ['admissionregistration.k8s.io', 'mutatingwebhookconfigurations', 'update'],
};

/** The text of the call that opens at or after `start`, up to its closing parenthesis. */
function callText(text: string, start: number): string {
  let depth = 0;
  for (let i = text.indexOf('(', start); i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

/** `group/resource:verb` for every API call found in the files. */
export function requiredPermissions(files: Map<string, string>): Set<string> {
  const out = new Set<string>();
  const add = (group: string, resource: string, ...verbs: string[]) => verbs.forEach((v) => out.add(`${group}/${resource}:${v}`));
  for (const [path, text] of files) {
    for (const match of text.matchAll(/\.(create|get|replace|delete|patch)(?:<[^>()]*>)?\(\s*Refs\.(\w+)/g)) {
      const { group, resource } = refResource(match[2]);
      // patch(…, { subresource: 'status' }) and replace(…, 'status') write the status subresource.
      const call = callText(text, match.index);
      const toStatus = (match[1] === 'patch' || match[1] === 'replace') && /subresource: 'status'|,\s*'status'\s*\)$/.test(call);
      add(group, toStatus ? `${resource}/status` : resource, CLIENT_VERBS[match[1]]);
    }
    for (const [, ref, sub] of text.matchAll(/postSubresource\(\s*Refs\.(\w+)[^;]*?'(\w+)'/g)) {
      const { group, resource } = refResource(ref);
      add(group, `${resource}/${sub}`, 'create');
    }
    for (const [, ref] of text.matchAll(/patchStatus\(\s*[\w.]+,\s*Refs\.(\w+)/g)) {
      const { group, resource } = refResource(ref);
      add(group, `${resource}/status`, 'patch');
    }
    // Reads the object, then merge-patches its status with the read resourceVersion.
    for (const [, ref] of text.matchAll(/patchStatusWithRetry(?:<[^>()]*>)?\(\s*[\w.]+,\s*Refs\.(\w+)/g)) {
      const { group, resource } = refResource(ref);
      add(group, resource, 'get');
      add(group, `${resource}/status`, 'patch');
    }
    for (const match of text.matchAll(/updateWithRetry\(\s*[\w.]+,\s*Refs\.(\w+)/g)) {
      const { group, resource } = refResource(match[1]);
      // Reads the object, then replaces it — or its status, with `{ subresource: 'status' }`.
      const toStatus = /subresource: 'status'/.test(callText(text, match.index));
      add(group, resource, 'get');
      add(group, toStatus ? `${resource}/status` : resource, 'update');
    }
    for (const [, ref] of text.matchAll(/patchAnnotations\(\s*[\w.]+,\s*Refs\.(\w+)/g)) {
      const { group, resource } = refResource(ref);
      add(group, resource, 'patch');
    }
    // Informers: list + watch. Their resource is a Refs entry, or a literal ResourceRef.
    for (const [, ref] of text.matchAll(/(?:new Informer(?:<[^>()]*>)?\(\s*\w+,\s*|make\()Refs\.(\w+)/g)) {
      const { group, resource } = refResource(ref);
      add(group, resource, 'list', 'watch');
    }
    // (refs.ts itself only names resources.)
    if (!path.endsWith('core/kube/refs.ts')) {
      for (const [, group, plural] of text.matchAll(/\{\s*group: '([\w.]*)', version: '\w+', plural: '(\w+)'/g)) add(group, plural, 'list', 'watch');
    }
    for (const [, call] of text.matchAll(/\.(\w+)\(\{/g)) {
      const permission = CLIENT_NODE_CALLS[call];
      if (permission) add(...permission);
    }
  }
  return out;
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** `group/resource:verb` granted by a set of rules (resourceNames restrictions checked elsewhere). */
function granted(rules: Rule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) out.add(`${g}/${res}:${v}`);
  return out;
}

function roles(path: string, account: string): { cluster: Set<string>; namespaced: Set<string>; rules: Rule[] } {
  const docs = loadManifest(path);
  const bound = (kind: string, roleKind: string) =>
    docs
      .filter((d) => d.kind === kind && d.subjects.some((s: Doc) => s.kind === 'ServiceAccount' && s.name === account && s.namespace === NAMESPACE))
      .map((b) => docs.find((d) => d.kind === roleKind && d.metadata.name === b.roleRef.name)!);
  const clusterRoles = bound('ClusterRoleBinding', 'ClusterRole');
  const namespacedRoles = bound('RoleBinding', 'Role');
  expect(namespacedRoles.every((r) => r.metadata.namespace === NAMESPACE)).toBe(true);
  const clusterRules = clusterRoles.flatMap((r) => r.rules as Rule[]);
  const namespacedRules = namespacedRoles.flatMap((r) => r.rules as Rule[]);
  return { cluster: granted(clusterRules), namespaced: granted(namespacedRules), rules: [...clusterRules, ...namespacedRules] };
}

/** Resources the process only ever touches in its own namespace (a Role is enough for them). */
const OWN_NAMESPACE = new Set(['/configmaps', '/secrets', 'coordination.k8s.io/leases']);

describe.each([
  // The controller serves the webhook too (the same routes, in process).
  { process: 'controller', entry: 'core/controllers/main.ts', rbac: 'controller/rbac.yaml', account: 'smartscale-controller', ownNamespaceEvents: false },
  // The standalone webhook records Events about smartscale-config and about the Deployments it admits (any namespace).
  { process: 'webhook', entry: 'webhook/server.ts', rbac: 'webhook/rbac.yaml', account: 'smartscale-webhook', ownNamespaceEvents: false },
])('RBAC of the $process', ({ entry, rbac, account, ownNamespaceEvents }) => {
  const files = sourceFiles(entry);
  const required = requiredPermissions(files);
  const { cluster, namespaced } = roles(rbac, account);
  const ownNamespace = (permission: string) => OWN_NAMESPACE.has(permission.split(':')[0]) || (ownNamespaceEvents && permission.startsWith('/events:'));

  it('finds the API calls in the code it runs (the scan itself works)', () => {
    expect(files.size).toBeGreaterThan(10);
    expect(required.size).toBeGreaterThan(5);
  });

  it('grants every API call the code makes', () => {
    const missing = [...required].filter((p) => !cluster.has(p) && !(ownNamespace(p) && namespaced.has(p)));
    expect(missing).toEqual([]);
  });

  it('grants nothing the code does not use', () => {
    // `get` adds nothing to `list` (a list returns every object), so it may come with it.
    const implied = (p: string) => p.endsWith(':get') && required.has(p.replace(/:get$/, ':list'));
    const unused = [...cluster, ...namespaced].filter((p) => !required.has(p) && !implied(p));
    expect(unused).toEqual([]);
  });

  it('grants cluster-wide only what the code does outside its own namespace', () => {
    expect([...cluster].filter((p) => ownNamespace(p))).toEqual([]);
  });
});

describe('the permission scan', () => {
  it('reads each kind of call site', () => {
    const files = new Map([
      [
        'a.ts',
        [
          'await client.delete(Refs.pods, name, ns);',
          "await this.client.patch(Refs.nodeClaims, name, undefined, { status }, 'merge', { subresource: 'status' });",
          'await this.client.replace<Lease>(Refs.leases, lease);',
          "await client.postSubresource(Refs.pods, p.metadata.name!, ns, 'eviction', body);",
          'await patchStatus(this.options.client, Refs.nodePools, name, undefined, {});',
          'await updateWithRetry(client, Refs.nodes, node, undefined, f);',
          "await updateWithRetry(this.client, Refs.nodePools, pool, undefined, (fresh) => { return g(fresh); }, { subresource: 'status' });",
          'new Informer<KubeObject>(client, Refs.configMaps, {});',
          'await patchStatusWithRetry(client, Refs.ec2NodeClasses, name, undefined, (fresh) => f(fresh));',
          "export const HPA = { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', namespaced: true };",
          'await core.readNamespacedSecret({ name, namespace });',
        ].join('\n'),
      ],
    ]);
    expect([...requiredPermissions(files)].sort()).toEqual(
      [
        '/pods:delete',
        'smartscale.io/nodeclaims/status:patch',
        'coordination.k8s.io/leases:update',
        '/pods/eviction:create',
        'smartscale.io/nodepools/status:patch',
        '/nodes:get',
        '/nodes:update',
        'smartscale.io/nodepools:get',
        'smartscale.io/nodepools/status:update',
        '/configmaps:list',
        '/configmaps:watch',
        'smartscale.io/ec2nodeclasses:get',
        'smartscale.io/ec2nodeclasses/status:patch',
        'autoscaling/horizontalpodautoscalers:list',
        'autoscaling/horizontalpodautoscalers:watch',
        '/secrets:get',
      ].sort(),
    );
  });
});
