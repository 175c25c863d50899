/**
 * Built-in query templates for the conventions clusters already follow (selected by
 * `metrics.preset` in smartscale-config; a Deployment overrides its demand query with the
 * `smartscale.io/rps-query` annotation). Placeholders: see template.ts.
 *
 * Demand and edge queries return requests per rate window (`increase`); the source divides by the
 * window's seconds. By PromQL's definition that is `rate`, but computed this way a counter's whole
 * increments reach us exactly, so a series read from Prometheus is bit-identical to the same counts
 * read from a trace (Prometheus computes rate as increase × (1/window), which rounds differently).
 * Latency queries return milliseconds (p95 from histogram buckets). The `smartscale.io/rps-query`
 * override, written by users, returns requests/second as they would expect.
 */

export const PRESET_NAMES = ['istio', 'otel-servicegraph', 'nginx-ingress', 'http-requests-total'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

export interface EdgeQuery {
  /** Calls per rate window, one series per caller and callee, servers limited to `{namespace}` when the metric knows it. */
  query: string;
  clientLabel: string;
  serverLabel: string;
}

export interface QueryPreset {
  name: PresetName;
  /** What the preset assumes about the cluster, for docs and `--help`. */
  assumes: string;
  /** Requests per rate window (divide by the window's seconds for requests/second). */
  demand: string;
  latencyP95Ms: string;
  /** Absent when the metric has no caller (an ingress sees only itself → service). */
  edges?: EdgeQuery;
}

const p95 = (bucketSelector: string, toMs: string) =>
  `histogram_quantile(0.95, sum by (le) (rate(${bucketSelector}[{window}])))${toMs}`;

/** A Deployment's pods are named `<deployment>-<pod-template-hash>-<suffix>`. */
const DEPLOYMENT_PODS = 'pod=~"{deployment}-[a-z0-9]+-[a-z0-9]+"';

export const PRESETS: Record<PresetName, QueryPreset> = {
  istio: {
    name: 'istio',
    assumes: 'Istio standard metrics; requests counted by the server-side proxy (reporter="destination")',
    demand:
      'sum(increase(istio_requests_total{reporter="destination", destination_workload_namespace="{namespace}", destination_workload="{deployment}"}[{window}]))',
    latencyP95Ms: p95(
      'istio_request_duration_milliseconds_bucket{reporter="destination", destination_workload_namespace="{namespace}", destination_workload="{deployment}"}',
      '',
    ),
    edges: {
      query:
        'sum by (source_workload, destination_workload) (increase(istio_requests_total{reporter="destination", destination_workload_namespace="{namespace}"}[{window}]))',
      clientLabel: 'source_workload',
      serverLabel: 'destination_workload',
    },
  },
  'otel-servicegraph': {
    name: 'otel-servicegraph',
    assumes:
      'OpenTelemetry service-graph metrics (collector servicegraph connector or Tempo metrics-generator); service.name equals the Deployment name; no namespace label, so services are matched by name only',
    demand: 'sum(increase(traces_service_graph_request_total{server="{deployment}"}[{window}]))',
    latencyP95Ms: p95('traces_service_graph_request_server_seconds_bucket{server="{deployment}"}', ' * 1000'),
    edges: {
      query: 'sum by (client, server) (increase(traces_service_graph_request_total[{window}]))',
      clientLabel: 'client',
      serverLabel: 'server',
    },
  },
  'nginx-ingress': {
    name: 'nginx-ingress',
    assumes: 'ingress-nginx controller metrics; the backend Service is named like the Deployment',
    demand: 'sum(increase(nginx_ingress_controller_requests{namespace="{namespace}", service="{deployment}"}[{window}]))',
    latencyP95Ms: p95(
      'nginx_ingress_controller_request_duration_seconds_bucket{namespace="{namespace}", service="{deployment}"}',
      ' * 1000',
    ),
  },
  'http-requests-total': {
    name: 'http-requests-total',
    assumes:
      'the application exports http_requests_total and http_request_duration_seconds; Prometheus adds namespace and pod labels (kube-prometheus relabelling)',
    demand: `sum(increase(http_requests_total{namespace="{namespace}", ${DEPLOYMENT_PODS}}[{window}]))`,
    latencyP95Ms: p95(`http_request_duration_seconds_bucket{namespace="{namespace}", ${DEPLOYMENT_PODS}}`, ' * 1000'),
  },
};

export function isPresetName(value: unknown): value is PresetName {
  return typeof value === 'string' && (PRESET_NAMES as readonly string[]).includes(value);
}
