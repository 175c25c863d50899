/** The kubeconfig that points kubectl and client-node at a running sandbox. */
import { dump } from 'js-yaml';

export interface SandboxAccess {
  url: string;
  caPem: string;
  token: string;
}

export const SANDBOX_CONTEXT = 'smartscale-sandbox';

export function sandboxKubeconfig(access: SandboxAccess): string {
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: SANDBOX_CONTEXT, cluster: { server: access.url, 'certificate-authority-data': Buffer.from(access.caPem).toString('base64') } }],
    users: [{ name: `${SANDBOX_CONTEXT}-admin`, user: { token: access.token } }],
    contexts: [{ name: SANDBOX_CONTEXT, context: { cluster: SANDBOX_CONTEXT, user: `${SANDBOX_CONTEXT}-admin`, namespace: 'default' } }],
    'current-context': SANDBOX_CONTEXT,
    preferences: {},
  });
}
