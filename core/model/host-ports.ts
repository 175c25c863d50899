/**
 * Host ports, as kube-scheduler's NodePorts filter checks them: a node runs at most one pod that
 * binds a given protocol and port on a given host IP. A pod asking for a port a pod on the node
 * already holds stays pending there ("node(s) didn't have free ports for the requested pod
 * ports"); a planner that counted only CPU and memory would see room on that node, launch nothing,
 * and the pod would wait forever. So, per pod, the ports it binds on its node, and whether two sets
 * of them conflict.
 *
 * Which ports a pod binds:
 * - every `ports[]` entry with a `hostPort` of its regular containers, and of its restartable init
 *   containers (sidecars, `restartPolicy: Always`: they run next to the others; kube-scheduler
 *   counts them since Kubernetes 1.34, back-ported to 1.33 — kubernetes/kubernetes#132040). Other
 *   init containers run before the pod starts and bind nothing the scheduler counts;
 * - with `hostNetwork: true`, each container port is a host port: the API server defaults
 *   `hostPort` to `containerPort` on Pods, but not on pod templates since Kubernetes 1.28 (the
 *   `DefaultHostNetworkHostPortsInPodTemplates` gate, off), so a Deployment's template read as
 *   written would show no host port for the pods it will make. The default is applied here.
 *
 * Conflicts, as kube-scheduler's HostPortInfo has them: the same protocol (TCP when unset) and
 * port, and host IPs that overlap — equal, or either one `0.0.0.0` (every address; an empty host IP
 * is read as it). Pure.
 */

type Obj = Record<string, any>;

export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

/** One port a pod binds on its node. `ip` is `0.0.0.0` for every address. */
export interface HostPort {
  readonly protocol: PortProtocol;
  readonly port: number;
  readonly ip: string;
}

/** The host IP that stands for every address. */
export const ANY_HOST_IP = '0.0.0.0';

const PROTOCOLS = new Set<string>(['TCP', 'UDP', 'SCTP']);

function asRecord(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/**
 * `ip` as the scheduler compares it: empty is `0.0.0.0` (every address); anything else is compared
 * as written — kube-scheduler treats `::` as one address of its own, not as every address.
 */
function normalizedIp(ip: unknown): string {
  return typeof ip === 'string' && ip !== '' ? ip : ANY_HOST_IP;
}

function validPort(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= 65535;
}

/** The containers whose ports the scheduler counts: regular ones and restartable init containers. */
function portContainers(spec: Obj): Obj[] {
  const regular = Array.isArray(spec.containers) ? spec.containers : [];
  const sidecars = (Array.isArray(spec.initContainers) ? spec.initContainers : []).filter((c: unknown) => asRecord(c)?.restartPolicy === 'Always');
  return [...regular, ...sidecars].map(asRecord).filter((c): c is Obj => c !== undefined);
}

/**
 * The ports the pod (or a pod made from the template `spec`) binds on its node, each once, in the
 * order declared. Entries the API server would refuse (a port outside 1–65535, an unknown
 * protocol) are skipped.
 */
export function podHostPorts(spec: unknown): HostPort[] {
  const s = asRecord(spec);
  if (!s) return [];
  const hostNetwork = s.hostNetwork === true;
  const out = new Map<string, HostPort>();
  for (const container of portContainers(s)) {
    for (const entry of Array.isArray(container.ports) ? container.ports : []) {
      const p = asRecord(entry);
      if (!p) continue;
      const port = p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0 ? p.hostPort : hostNetwork ? p.containerPort : undefined;
      if (!validPort(port)) continue;
      const protocol = p.protocol === undefined || p.protocol === null || p.protocol === '' ? 'TCP' : String(p.protocol);
      if (!PROTOCOLS.has(protocol)) continue;
      const hostPort: HostPort = { protocol: protocol as PortProtocol, port, ip: normalizedIp(p.hostIP) };
      out.set(hostPortKey(hostPort), hostPort);
    }
  }
  return [...out.values()];
}

/** `TCP/0.0.0.0/8080`: one port as text (stable, for class keys and messages). */
export function hostPortKey(p: HostPort): string {
  return `${p.protocol}/${p.ip}/${p.port}`;
}

/** Whether two bound ports collide on one node. */
export function portsConflict(a: HostPort, b: HostPort): boolean {
  return a.port === b.port && a.protocol === b.protocol && (a.ip === b.ip || a.ip === ANY_HOST_IP || b.ip === ANY_HOST_IP);
}

/** The first of `wanted` that collides with a port in `used`, or undefined when the pod's ports are free. */
export function conflictingPort(wanted: readonly HostPort[], used: readonly HostPort[]): HostPort | undefined {
  if (wanted.length === 0 || used.length === 0) return undefined;
  return wanted.find((w) => used.some((u) => portsConflict(w, u)));
}

