/**
 * Where a process finds its cluster: the kubeconfig loaded by @kubernetes/client-node's rules
 * (`$KUBECONFIG`, `~/.kube/config`, the in-cluster service account), a given file, or text; and the
 * API server's version. Here so that core/kube stays the only place that imports the client
 * library (DESIGN.md's layout): the processes and the sandbox call these.
 */
import { KubeConfig, VersionApi } from '@kubernetes/client-node';

export type { KubeConfig };

/** The kubeconfig kubectl would use (KUBECONFIG, ~/.kube/config, or in a pod its service account). */
export function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

/** A kubeconfig file; the file system's error (ENOENT, EISDIR, EACCES) or the parser's is thrown as is. */
export function kubeConfigFromFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export function kubeConfigFromString(text: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}

/** Whether the kubeconfig names a current context with a cluster (YAML that is not a kubeconfig loads as an empty one). */
export function hasCurrentCluster(kc: KubeConfig): boolean {
  return Boolean(kc.getCurrentCluster());
}

/** The API server's `gitVersion` (`v1.32.3-eks-…`); rejects after `timeoutMs` without an answer. */
export async function serverGitVersion(kc: KubeConfig, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  });
  const info = await Promise.race([kc.makeApiClient(VersionApi).getCode(), timeout]).finally(() => clearTimeout(timer));
  return info.gitVersion;
}
