/**
 * The shipped `smartscale-config` (manifests/controller/configmap.yaml, also what
 * `kubectl smartscale install` applies): it must not pin the simulated metrics source, so adding
 * `metrics.prometheus.url` as the README says is enough to read from Prometheus.
 */
import { describe, expect, it } from 'vitest';
import { parseFullConfig } from '../../core/controllers/settings.js';
import { loadManifest } from './load.js';

const shipped = loadManifest('controller/configmap.yaml').find((d) => d.kind === 'ConfigMap' && d.metadata?.name === 'smartscale-config')!;

describe('the shipped smartscale-config', () => {
  it('parses without warnings and sets no metrics source', () => {
    expect(shipped.data['metrics.source']).toBeUndefined();
    expect(parseFullConfig(shipped.data).warnings).toEqual([]);
  });

  it('reads from Prometheus once the README’s URL is added, with no other edit', () => {
    const url = 'http://prometheus-operated.monitoring:9090';
    const config = parseFullConfig({ ...shipped.data, 'metrics.prometheus.url': url });
    expect(config.warnings).toEqual([]);
    expect(config.metrics).toMatchObject({ source: 'prometheus', prometheus: { url } });
  });
});
