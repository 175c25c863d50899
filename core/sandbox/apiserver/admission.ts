/**
 * Mutating admission as kube-apiserver does it: every MutatingWebhookConfiguration's webhooks, in
 * name order, are matched against the request (rules, namespaceSelector, objectSelector,
 * matchConditions in CEL) and called with an AdmissionReview v1 over HTTPS, trusting the
 * configured caBundle, within timeoutSeconds. A JSONPatch in the response is applied; a denial
 * fails the request; a call that fails (unreachable, timeout, bad response) fails the request
 * under failurePolicy Fail and is skipped under Ignore.
 *
 * The sandbox has no cluster network: a webhook with `clientConfig.service` is reached at the URL
 * the service resolver returns (by default, the Service's `sandbox.smartscale.io/endpoint`
 * annotation, e.g. `https://127.0.0.1:9443`), with TLS verified against `<name>.<namespace>.svc`.
 */
import { request as httpsRequest } from 'node:https';
import { randomUUID } from 'node:crypto';
import { ApiError, badRequest } from './errors.js';
import { CelError, evaluateCondition } from './cel.js';
import { jsonPatch, PatchError } from './patch.js';
import type { Admission, AdmissionAttributes, ApiCore } from './rest.js';
import { labelSelectorObjectRequirements, labelsMatch, SelectorError } from './selectors.js';

type Obj = Record<string, any>;

export const SERVICE_ENDPOINT_ANNOTATION = 'sandbox.smartscale.io/endpoint';

export interface WebhookTarget {
  url: string;
  /** TLS server name to verify (the service DNS name when reached through a service). */
  serverName?: string;
}

export type ServiceResolver = (namespace: string, name: string, port: number, path: string) => WebhookTarget | undefined;

export interface AdmissionUser {
  username: string;
  groups: string[];
}

function ruleMatches(rule: Obj, attrs: AdmissionAttributes): boolean {
  const any = (list: unknown, value: string) => Array.isArray(list) && (list.includes('*') || list.includes(value));
  if (!any(rule.operations, attrs.operation)) return false;
  if (!any(rule.apiGroups, attrs.type.group)) return false;
  if (!any(rule.apiVersions, attrs.type.version)) return false;
  const resource = attrs.subresource ? `${attrs.type.plural}/${attrs.subresource}` : attrs.type.plural;
  const resources: string[] = Array.isArray(rule.resources) ? rule.resources : [];
  const resourceOk = resources.some((r) => {
    if (r === '*') return !attrs.subresource;
    if (r === '*/*') return true;
    if (r === resource) return true;
    if (r.endsWith('/*')) return r.slice(0, -2) === attrs.type.plural && !!attrs.subresource;
    if (r.startsWith('*/')) return !!attrs.subresource && r.slice(2) === attrs.subresource;
    return false;
  });
  if (!resourceOk) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && attrs.type.namespaced) return false;
  if (scope === 'Namespaced' && !attrs.type.namespaced) return false;
  return true;
}

export class WebhookAdmission implements Admission {
  constructor(
    private readonly api: ApiCore,
    private readonly resolveService: ServiceResolver = defaultServiceResolver(api),
    private readonly user: AdmissionUser = { username: 'sandbox-admin', groups: ['system:masters', 'system:authenticated'] },
  ) {}

  async admit(attrs: AdmissionAttributes): Promise<{ object: Obj | undefined; warnings: string[] }> {
    const configs = this.api.store
      .list('admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')
      .map((e) => e.object)
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    let object = attrs.object;
    const warnings: string[] = [];
    for (const config of configs) {
      for (const webhook of Array.isArray(config.webhooks) ? config.webhooks : []) {
        const current = { ...attrs, object };
        if (!this.matches(webhook, current)) continue;
        const result = await this.call(webhook, current);
        if (result) {
          object = result.object;
          warnings.push(...result.warnings);
        }
      }
    }
    return { object, warnings };
  }

  private matches(webhook: Obj, attrs: AdmissionAttributes): boolean {
    if (!(webhook.rules ?? []).some((r: Obj) => ruleMatches(r, attrs))) return false;
    try {
      const objectLabels = attrs.object?.metadata?.labels ?? attrs.oldObject?.metadata?.labels ?? {};
      if (!labelsMatch(labelSelectorObjectRequirements(webhook.objectSelector), objectLabels)) {
        if (!attrs.oldObject || !labelsMatch(labelSelectorObjectRequirements(webhook.objectSelector), attrs.oldObject.metadata?.labels)) return false;
      }
      const nsReqs = labelSelectorObjectRequirements(webhook.namespaceSelector);
      if (nsReqs.length > 0) {
        let nsLabels: Record<string, string> | undefined;
        if (attrs.type.kind === 'Namespace' && !attrs.type.custom) nsLabels = attrs.object?.metadata?.labels ?? attrs.oldObject?.metadata?.labels;
        else if (attrs.type.namespaced) nsLabels = this.api.store.get('v1/namespaces', undefined, attrs.namespace ?? '')?.metadata?.labels;
        else nsLabels = undefined;
        // Cluster-scoped objects are not filtered by namespaceSelector.
        if (attrs.type.namespaced || attrs.type.kind === 'Namespace') {
          if (!labelsMatch(nsReqs, nsLabels ?? {})) return false;
        }
      }
    } catch (error) {
      if (error instanceof SelectorError) return false;
      throw error;
    }
    const conditions: Obj[] = webhook.matchConditions ?? [];
    if (conditions.length === 0) return true;
    const vars = { object: attrs.object ?? null, oldObject: attrs.oldObject ?? null, request: this.requestOf(attrs, 'preview') };
    let failure: string | undefined;
    for (const c of conditions) {
      try {
        if (!evaluateCondition(String(c.expression ?? ''), vars)) return false;
      } catch (error) {
        failure = `${c.name}: ${error instanceof CelError ? error.message : String(error)}`;
      }
    }
    if (failure) {
      if (webhook.failurePolicy === 'Ignore') return false;
      throw new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook "${webhook.name}": failed to evaluate match condition ${failure}`);
    }
    return true;
  }

  private requestOf(attrs: AdmissionAttributes, uid: string): Obj {
    const t = attrs.type;
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const gvr = { group: t.group, version: t.version, resource: t.plural };
    return {
      uid,
      kind: gvk,
      resource: gvr,
      ...(attrs.subresource ? { subResource: attrs.subresource } : {}),
      requestKind: gvk,
      requestResource: gvr,
      name: attrs.name,
      ...(attrs.namespace ? { namespace: attrs.namespace } : {}),
      operation: attrs.operation,
      userInfo: this.user,
      object: attrs.object ?? null,
      oldObject: attrs.oldObject ?? null,
      dryRun: attrs.dryRun,
      options: { kind: attrs.operation === 'CREATE' ? 'CreateOptions' : attrs.operation === 'UPDATE' ? 'UpdateOptions' : 'DeleteOptions', apiVersion: 'meta.k8s.io/v1' },
    };
  }

  private target(webhook: Obj): WebhookTarget {
    const cc = webhook.clientConfig ?? {};
    if (typeof cc.url === 'string') return { url: cc.url };
    const svc = cc.service ?? {};
    const target = this.resolveService(String(svc.namespace ?? ''), String(svc.name ?? ''), Number(svc.port ?? 443), String(svc.path ?? '/'));
    if (!target) throw new Error(`service ${svc.namespace}/${svc.name} has no reachable endpoint in the sandbox (annotate it ${SERVICE_ENDPOINT_ANNOTATION})`);
    return target;
  }

  private async call(webhook: Obj, attrs: AdmissionAttributes): Promise<{ object: Obj | undefined; warnings: string[] } | undefined> {
    const name = String(webhook.name);
    if (attrs.dryRun && !['None', 'NoneOnDryRun'].includes(webhook.sideEffects)) {
      throw badRequest(`admission webhook "${name}" does not support dry run`);
    }
    const uid = randomUUID();
    const review = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: this.requestOf(attrs, uid) };
    let response: Obj;
    try {
      const target = this.target(webhook);
      const caBundle = webhook.clientConfig?.caBundle ? Buffer.from(String(webhook.clientConfig.caBundle), 'base64').toString('utf8') : undefined;
      const body = await postJson(target, review, caBundle, Number(webhook.timeoutSeconds ?? 10) * 1000);
      response = body?.response;
      if (!response || typeof response !== 'object') throw new Error('the response has no AdmissionReview "response"');
      if (response.uid !== uid) throw new Error(`expected response.uid="${uid}", got "${response.uid}"`);
    } catch (error) {
      if (webhook.failurePolicy === 'Ignore') return undefined;
      throw new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook "${name}": ${error instanceof Error ? error.message : String(error)}`);
    }
    const warnings: string[] = Array.isArray(response.warnings) ? response.warnings.map(String) : [];
    if (!response.allowed) {
      const status = response.status ?? {};
      const code = Number.isInteger(status.code) && status.code >= 400 ? status.code : 400;
      throw new ApiError(code, code === 403 ? 'Forbidden' : 'BadRequest', `admission webhook "${name}" denied the request${status.message ? `: ${status.message}` : ' without explanation'}`);
    }
    if (!response.patch || attrs.object === undefined) return { object: attrs.object, warnings };
    if (response.patchType !== 'JSONPatch') {
      if (webhook.failurePolicy === 'Ignore') return undefined;
      throw new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook "${name}": unsupported patchType ${response.patchType}`);
    }
    try {
      const ops = JSON.parse(Buffer.from(String(response.patch), 'base64').toString('utf8'));
      return { object: jsonPatch(attrs.object, ops), warnings };
    } catch (error) {
      if (webhook.failurePolicy === 'Ignore') return undefined;
      const why = error instanceof PatchError || error instanceof SyntaxError ? error.message : String(error);
      throw new ApiError(500, 'InternalError', `Internal error occurred: failed calling webhook "${name}": invalid JSONPatch: ${why}`);
    }
  }
}

export function defaultServiceResolver(api: ApiCore): ServiceResolver {
  return (namespace, name, port, path) => {
    const svc = api.store.get('v1/services', namespace, name);
    const endpoint = svc?.metadata?.annotations?.[SERVICE_ENDPOINT_ANNOTATION];
    if (typeof endpoint !== 'string' || endpoint === '') return undefined;
    const url = new URL(endpoint);
    if (!url.port && port !== 443) url.port = String(port);
    url.pathname = path;
    return { url: url.toString(), serverName: `${name}.${namespace}.svc` };
  };
}

function postJson(target: WebhookTarget, body: unknown, ca: string | undefined, timeoutMs: number): Promise<Obj> {
  const url = new URL(target.url);
  if (url.protocol !== 'https:') return Promise.reject(new Error(`webhook URL must be https, got ${url.protocol}`));
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        method: 'POST',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        ca,
        servername: target.serverName ?? (/^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname),
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Content-Length': Buffer.byteLength(text) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400) return reject(new Error(`HTTP ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            reject(new Error('the response is not JSON'));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`context deadline exceeded (timeout ${timeoutMs / 1000}s)`)));
    req.on('error', reject);
    req.end(text);
  });
}
