/** How the controller process reads `--name=value` and --metrics-host. */
import { describe, expect, it } from 'vitest';
import { readProcessConfig } from '../../../core/controllers/process-config.js';

const SIMULATED = { SMARTSCALE_CLOUD: 'simulated', POD_NAME: 'ctl-0' };

describe('--name=value', () => {
  it('keeps everything after the first =: --cloud=simulated=x is refused (it ran as simulated)', () => {
    expect(() => readProcessConfig(['--cloud=simulated=x'], SIMULATED)).toThrow('--cloud / SMARTSCALE_CLOUD="simulated=x": expected aws or simulated');
    expect(readProcessConfig(['--cloud=simulated'], {}).cloud).toBe('simulated');
    expect(readProcessConfig(['--kubeconfig=/etc/k=v/config'], SIMULATED).kubeconfig).toBe('/etc/k=v/config');
    expect(readProcessConfig(['--identity=a=b'], SIMULATED).identity).toBe('a=b');
  });
});

describe('--metrics-host / SMARTSCALE_METRICS_HOST', () => {
  it.each(['0.0.0.0', '127.0.0.1', '::', '::1', 'localhost', 'metrics.internal'])('accepts %s', (host) => {
    expect(readProcessConfig(['--metrics-host', host], SIMULATED).metricsHost).toBe(host);
  });

  it.each(['999.1.1.1', '1.2.3', '', 'a b', '-x', 'host_name'])('refuses %j (999.1.1.1 was a stack trace from listen)', (host) => {
    expect(() => readProcessConfig(['--metrics-host', host], SIMULATED)).toThrow(`--metrics-host / SMARTSCALE_METRICS_HOST=${JSON.stringify(host)}: expected an IP address (0.0.0.0, 127.0.0.1, ::) or a host name`);
  });
});
