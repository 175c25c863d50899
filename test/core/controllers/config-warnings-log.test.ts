/** The config loop reports what smartscale-config says that is not used: an InvalidConfig Event on it and a log line, each once per change. */
import { describe, expect, it } from 'vitest';
import type { ClusterState } from '../../../core/controllers/cluster-state.js';
import { ConfigWatchLoop } from '../../../core/controllers/config-watch.js';
import { RecordingControllerEvents } from '../../../core/controllers/events.js';
import { parseFullConfig } from '../../../core/controllers/settings.js';
import { ManualClock } from '../../../core/model/clock.js';

describe('config loop: warnings', () => {
  it('a simulated source pinned next to a Prometheus URL is logged and surfaced as InvalidConfig, once per change', async () => {
    let data: Record<string, string> = { mode: 'observe', 'metrics.source': 'simulated', 'metrics.prometheus.url': 'http://prometheus-operated.monitoring:9090' };
    const state = { config: () => parseFullConfig(data), namespace: 'smartscale-system' } as unknown as ClusterState;
    const events = new RecordingControllerEvents();
    const logged: Array<{ obj: object; msg?: string }> = [];
    const loop = new ConfigWatchLoop({
      state,
      events,
      metricsDeps: { clock: new ManualClock(0), readFile: () => '' },
      onModeChange: () => {},
      logger: { warn: (obj, msg) => void logged.push({ obj, msg }) },
    });
    await loop.reconcile();
    await loop.reconcile();
    expect(loop.metricsSource().description).toBe('simulated');
    expect(events.events.filter((e) => e.reason === 'InvalidConfig')).toEqual([
      { object: expect.objectContaining({ kind: 'ConfigMap', name: 'smartscale-config' }), type: 'Warning', reason: 'InvalidConfig', message: expect.stringMatching(/^metrics\.source=simulated: metrics\.prometheus\.url is not used/) },
    ]);
    expect(logged).toEqual([{ obj: { configMap: 'smartscale-system/smartscale-config', warnings: [expect.stringMatching(/metrics\.prometheus\.url is not used/)] }, msg: expect.any(String) }]);

    // Fixed as the warning says: nothing more to report, and the source reads from Prometheus.
    data = { mode: 'observe', 'metrics.prometheus.url': 'http://prometheus-operated.monitoring:9090' };
    await loop.reconcile();
    expect(logged).toHaveLength(1);
    expect(loop.metricsSource().description).toMatch(/^prometheus\(http-requests-total\) http:\/\/prometheus-operated/);
  });
});
