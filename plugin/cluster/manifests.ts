/**
 * Reading smartscale's manifests the way `kubectl apply -k manifests/` would for the subset of
 * kustomize they use: `resources` (files, or directories with their own kustomization.yaml or
 * plain YAML files) and `components` (their resources plus JSON 6902 `patches` with a kind/name
 * target). Anything else in a kustomization is refused rather than silently skipped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll, load } from 'js-yaml';
import { CliError, ExitCode } from '../exit-codes.js';

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; [k: string]: unknown };
  [key: string]: any;
}

export interface ManifestDocument {
  /** File the object came from, relative to the manifests directory. */
  source: string;
  object: ManifestObject;
}

interface Patch {
  target: { kind?: string; name?: string };
  operations: Array<{ op: 'add' | 'replace' | 'remove'; path: string; value?: unknown }>;
}

/** The `manifests/` directory of this installation: next to the package.json above this module. */
export function findManifestsDir(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'manifests'))) return join(dir, 'manifests');
    const parent = dirname(dir);
    if (parent === dir) throw new CliError('cannot find the manifests/ directory of this installation; pass --manifests DIR', ExitCode.usage);
    dir = parent;
  }
}

function readYamlObjects(path: string, root: string): ManifestDocument[] {
  let docs: unknown[];
  try {
    docs = loadAll(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${path}: ${(error as Error).message.split('\n')[0]}`, ExitCode.usage);
  }
  const source = path.startsWith(root) ? path.slice(root.length + 1) : path;
  return docs
    .filter((d) => d !== null && d !== undefined)
    .map((d) => {
      const o = d as ManifestObject;
      if (typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
        throw new CliError(`${source}: every document needs apiVersion, kind and metadata.name`, ExitCode.usage);
      }
      return { source, object: o };
    });
}

function parsePatch(raw: any, where: string): Patch {
  if (typeof raw?.patch !== 'string' || typeof raw?.target !== 'object') throw new CliError(`${where}: only patches with a target and an inline JSON 6902 patch are supported`, ExitCode.usage);
  const operations = load(raw.patch) as Patch['operations'];
  if (!Array.isArray(operations)) throw new CliError(`${where}: patch must be a list of operations`, ExitCode.usage);
  for (const op of operations) if (!['add', 'replace', 'remove'].includes(op?.op) || typeof op.path !== 'string') throw new CliError(`${where}: unsupported patch operation ${JSON.stringify(op?.op)}`, ExitCode.usage);
  return { target: { kind: raw.target.kind, name: raw.target.name }, operations };
}

const SUPPORTED_KEYS = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches']);

interface Loaded {
  documents: ManifestDocument[];
  patches: Patch[];
}

function loadKustomization(dir: string, root: string, extraComponents: string[]): Loaded {
  const path = join(dir, 'kustomization.yaml');
  const k = load(readFileSync(path, 'utf8')) as Record<string, any>;
  for (const key of Object.keys(k ?? {})) if (!SUPPORTED_KEYS.has(key)) throw new CliError(`${path}: "${key}" is not supported by 'kubectl smartscale install'; use 'kubectl apply -k'`, ExitCode.usage);
  const out: Loaded = { documents: [], patches: [] };
  for (const entry of (k.resources ?? []) as string[]) {
    const loaded = loadEntry(resolve(dir, entry), root);
    out.documents.push(...loaded.documents);
    out.patches.push(...loaded.patches);
  }
  for (const entry of [...((k.components ?? []) as string[]).map((c) => resolve(dir, c)), ...extraComponents]) {
    const loaded = loadKustomization(entry, root, []);
    out.documents.push(...loaded.documents);
    out.patches.push(...loaded.patches);
  }
  (k.patches ?? []).forEach((p: unknown, i: number) => out.patches.push(parsePatch(p, `${path} patches[${i}]`)));
  return out;
}

function loadEntry(path: string, root: string): Loaded {
  if (!existsSync(path)) throw new CliError(`${path} is listed in a kustomization but does not exist`, ExitCode.usage);
  if (!statSync(path).isDirectory()) return { documents: readYamlObjects(path, root), patches: [] };
  if (existsSync(join(path, 'kustomization.yaml'))) return loadKustomization(path, root, []);
  const files = readdirSync(path).filter((f) => /\.ya?ml$/.test(f)).sort();
  return { documents: files.flatMap((f) => readYamlObjects(join(path, f), root)), patches: [] };
}

function pointer(path: string): string[] {
  return path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Applies JSON 6902 add/replace/remove to a copy of `object`. */
export function applyJsonPatch(object: ManifestObject, operations: Patch['operations']): ManifestObject {
  const copy = structuredClone(object);
  for (const op of operations) {
    const keys = pointer(op.path);
    const last = keys.pop()!;
    let parent: any = copy;
    for (const key of keys) {
      if (parent?.[key] === undefined) throw new CliError(`patch ${op.op} ${op.path} on ${object.kind}/${object.metadata.name}: path does not exist`, ExitCode.usage);
      parent = parent[key];
    }
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (op.op === 'add') parent.splice(index, 0, structuredClone(op.value));
      else if (op.op === 'replace') parent[index] = structuredClone(op.value);
      else parent.splice(index, 1);
    } else if (op.op === 'remove') delete parent[last];
    else parent[last] = structuredClone(op.value);
  }
  return copy;
}

/**
 * Every object `install` applies: the CRDs (crds/, which the top-level kustomization does not
 * list), then the kustomization's resources with patches applied; `components` adds components.
 */
export function readManifests(dir: string, components: string[] = []): ManifestDocument[] {
  const root = resolve(dir);
  // Without this check a mistyped --manifests installed only the Namespace, ConfigMap and Secret
  // the plan adds itself, and said it had succeeded.
  const found = statSync(root, { throwIfNoEntry: false });
  if (!found) throw new CliError(`--manifests ${dir}: no such directory`, ExitCode.usage);
  if (!found.isDirectory()) throw new CliError(`--manifests ${dir}: not a directory (name the folder holding kustomization.yaml)`, ExitCode.usage);
  if (!existsSync(join(root, 'kustomization.yaml'))) throw new CliError(`--manifests ${dir}: no kustomization.yaml there (name smartscale's manifests/ folder)`, ExitCode.usage);
  const documents: ManifestDocument[] = [];
  const crds = join(root, 'crds');
  if (existsSync(crds)) documents.push(...loadEntry(crds, root).documents);
  const loaded = loadKustomization(root, root, components.map((c) => join(root, c)));
  const seen = new Set(documents.map((d) => d.source));
  documents.push(...loaded.documents.filter((d) => !seen.has(d.source)));
  for (const patch of loaded.patches) {
    const targets = documents.filter((d) => (!patch.target.kind || d.object.kind === patch.target.kind) && (!patch.target.name || d.object.metadata.name === patch.target.name));
    if (targets.length === 0) throw new CliError(`a patch targets ${patch.target.kind}/${patch.target.name}, which is not in the manifests`, ExitCode.usage);
    for (const t of targets) t.object = applyJsonPatch(t.object, patch.operations);
  }
  return documents;
}
