import { describe, expect, it } from 'vitest';
import { conflictingPort, hostPortKey, podHostPorts, portsConflict, type HostPort } from '../../../core/model/host-ports.js';
import { podFromSpec } from '../../../core/controllers/objects.js';

const port = (p: number, protocol: HostPort['protocol'] = 'TCP', ip = '0.0.0.0'): HostPort => ({ protocol, port: p, ip });

describe('podHostPorts: the ports a pod binds on its node', () => {
  it('reads hostPort entries of regular containers, TCP and every address by default; ports without hostPort bind nothing', () => {
    const spec = {
      containers: [
        { name: 'web', ports: [{ containerPort: 8080, hostPort: 80 }, { containerPort: 9090 }] },
        { name: 'dns', ports: [{ containerPort: 53, hostPort: 53, protocol: 'UDP', hostIP: '10.0.0.5' }] },
      ],
    };
    expect(podHostPorts(spec).map(hostPortKey)).toEqual(['TCP/0.0.0.0/80', 'UDP/10.0.0.5/53']);
  });

  it('counts restartable init containers (sidecars) and not the init containers that run before the pod', () => {
    const spec = {
      initContainers: [
        { name: 'setup', ports: [{ containerPort: 7000, hostPort: 7000 }] },
        { name: 'proxy', restartPolicy: 'Always', ports: [{ containerPort: 15001, hostPort: 15001 }] },
      ],
      containers: [{ name: 'app' }],
    };
    expect(podHostPorts(spec).map(hostPortKey)).toEqual(['TCP/0.0.0.0/15001']);
  });

  it('with hostNetwork every container port is a host port (templates are not defaulted by the API server)', () => {
    const spec = { hostNetwork: true, containers: [{ name: 'ingress', ports: [{ containerPort: 80 }, { containerPort: 443 }, { containerPort: 10254, hostPort: 10254 }] }] };
    expect(podHostPorts(spec).map(hostPortKey)).toEqual(['TCP/0.0.0.0/80', 'TCP/0.0.0.0/443', 'TCP/0.0.0.0/10254']);
    // Without hostNetwork, the same ports bind nothing on the node.
    expect(podHostPorts({ ...spec, hostNetwork: false }).map(hostPortKey)).toEqual(['TCP/0.0.0.0/10254']);
  });

  it('an empty host IP is every address (0.0.0.0); others, :: included, are one address each, as kube-scheduler compares them; a port declared twice counts once', () => {
    const spec = { containers: [{ ports: [{ hostPort: 80, hostIP: '' }, { hostPort: 80, hostIP: '0.0.0.0' }, { hostPort: 80 }, { hostPort: 81, hostIP: '::' }] }] };
    expect(podHostPorts(spec).map(hostPortKey)).toEqual(['TCP/0.0.0.0/80', 'TCP/::/81']);
    expect(portsConflict(port(81, 'TCP', '::'), port(81, 'TCP', '10.0.0.1'))).toBe(false);
  });

  it('skips what the API server refuses instead of throwing', () => {
    const spec = { containers: [null, 'x', { ports: 'nope' }, { ports: [null, { hostPort: 0 }, { hostPort: 70000 }, { hostPort: 1.5 }, { hostPort: '80' }, { hostPort: 80, protocol: 'ICMP' }, { hostPort: 22 }] }] };
    expect(podHostPorts(spec).map(hostPortKey)).toEqual(['TCP/0.0.0.0/22']);
    expect(podHostPorts(undefined)).toEqual([]);
    expect(podHostPorts([])).toEqual([]);
  });

  it('the planner’s pod carries them (podFromSpec), and only when there are some', () => {
    expect(podFromSpec('ns', 'p', {}, { containers: [{ ports: [{ containerPort: 80, hostPort: 80 }] }] }).hostPorts).toEqual([port(80)]);
    expect(podFromSpec('ns', 'p', {}, { containers: [{ ports: [{ containerPort: 80 }] }] })).not.toHaveProperty('hostPorts');
  });
});

describe('host port conflicts (kube-scheduler NodePorts)', () => {
  it.each([
    ['same port, protocol and address', port(80), port(80), true],
    ['every address against one address', port(80), port(80, 'TCP', '10.0.0.1'), true],
    ['one address against every address', port(80, 'TCP', '10.0.0.1'), port(80), true],
    ['two different addresses', port(80, 'TCP', '10.0.0.1'), port(80, 'TCP', '10.0.0.2'), false],
    ['another protocol', port(53, 'UDP'), port(53, 'TCP'), false],
    ['another port', port(80), port(8080), false],
  ])('%s → %s', (_label, a, b, expected) => {
    expect(portsConflict(a, b)).toBe(expected);
    expect(portsConflict(b, a)).toBe(expected);
  });

  it('conflictingPort names the first wanted port that is taken', () => {
    expect(conflictingPort([port(80), port(443)], [port(443), port(9100)])).toEqual(port(443));
    expect(conflictingPort([port(80)], [port(9100)])).toBeUndefined();
    expect(conflictingPort([], [port(80)])).toBeUndefined();
  });
});
