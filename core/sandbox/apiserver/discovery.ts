/**
 * Discovery and OpenAPI documents, derived from the resource registry on every request (so a new
 * CRD shows up at once). Discovery uses the legacy (unaggregated) format, which every kubectl and
 * client-node version understands. The OpenAPI v3 documents are minimal: they declare, per kind,
 * a PATCH operation with the `fieldValidation` parameter, which is what kubectl checks to hand
 * validation to the server instead of downloading full schemas.
 */
import { createHash } from 'node:crypto';
import { groupVersion, VERBS, type ResourceRegistry, type ResourceType } from './resources.js';

type Obj = Record<string, any>;

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-smartscale-sandbox',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/** Only `create` for these (they are verbs on other objects, not stored resources). */
const CREATE_ONLY = new Set(['bindings', 'selfsubjectaccessreviews']);

export function apiVersions(serverAddress: string): Obj {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(name: string, versions: string[]): Obj {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(registry: ResourceRegistry): Obj {
  const groups = [...registry.groups()].filter(([name]) => name !== '').map(([name, versions]) => apiGroup(name, versions));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroupDocument(registry: ResourceRegistry, group: string): Obj | undefined {
  const versions = registry.groups().get(group);
  if (!versions || group === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group, versions) };
}

function resourceEntries(t: ResourceType): Obj[] {
  const verbs = CREATE_ONLY.has(t.plural) ? ['create'] : VERBS;
  const entries: Obj[] = [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs,
      ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length ? { categories: t.categories } : {}),
      storageVersionHash: createHash('sha256').update(`${groupVersion(t)}/${t.kind}`).digest('base64').slice(0, 11),
    },
  ];
  if (t.statusSubresource) entries.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
  if (t.scale) entries.push({ name: `${t.plural}/scale`, singularName: '', namespaced: t.namespaced, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  if (t.extraSubresources.includes('binding')) entries.push({ name: `${t.plural}/binding`, singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] });
  if (t.extraSubresources.includes('eviction')) entries.push({ name: `${t.plural}/eviction`, singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] });
  return entries;
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): Obj | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources: types.flatMap(resourceEntries) };
}

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** `/openapi/v3`: one entry per group-version, with a hash so clients can cache. */
export function openApiV3Root(registry: ResourceRegistry): Obj {
  const paths: Obj = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const p = gvPath(group, version);
      const hash = createHash('sha256').update(JSON.stringify(openApiV3GroupVersion(registry, group, version))).digest('hex').slice(0, 32).toUpperCase();
      paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
    }
  }
  return { paths };
}

const FIELD_VALIDATION_PARAM = { name: 'fieldValidation', in: 'query', description: 'fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields.', schema: { type: 'string', uniqueItems: true } };

export function openApiV3GroupVersion(registry: ResourceRegistry, group: string, version: string): Obj | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const paths: Obj = {};
  for (const t of types) {
    const base = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    const gvk = { group, version, kind: t.kind };
    const op = (action: string) => ({
      tags: [group || 'core'],
      operationId: `${action}${t.kind}`,
      parameters: [FIELD_VALIDATION_PARAM],
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[base] = { post: op('post'), get: { ...op('list'), parameters: [] } };
    paths[`${base}/{name}`] = { get: { ...op('get'), parameters: [] }, put: op('put'), patch: op('patch'), delete: { ...op('delete'), parameters: [] } };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (smartscale sandbox)', version: SERVER_VERSION.gitVersion }, paths, components: { schemas: {} } };
}
