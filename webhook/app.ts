/**
 * The webhook's fastify app, built by a factory and never listening here: tests use `inject`,
 * webhook/server.ts listens. Routes: POST /mutate, GET /healthz, /readyz, /metrics.
 */
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../core/model/clock.js';
import { deploymentName, handleAdmission, NO_HPA, type AdmissionOutcome, type ClusterPolicy, type ReplicaOwnership } from './admission/handle.js';
import { BadReviewError, sanitizeWarnings } from './admission/review.js';
import { NO_EVENTS, type EventRecorder } from './events.js';
import { WebhookMetrics } from './metrics.js';
import { DEFAULT_CONTEXT } from './mutate/index.js';

/** Kubernetes objects are at most ~1.5 MiB; a review carries the object and the old object. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;
/**
 * Receiving a request only (not answering it): the API server sends a review in one write, so 10 s
 * is ample whatever the configuration's timeoutSeconds.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export interface WebhookAppOptions {
  /** A pino logger (fastify's `loggerInstance`); nothing here creates a global one. */
  logger: FastifyBaseLogger;
  /** The current cluster policy; called per admission so ConfigMap changes apply at once. */
  policy?: () => ClusterPolicy;
  ownership?: ReplicaOwnership;
  events?: EventRecorder;
  clock?: Clock;
  metrics?: WebhookMetrics;
  /** Ready to serve (e.g. a certificate is loaded); /readyz answers 503 until true. */
  isReady?: () => boolean;
  bodyLimit?: number;
  /**
   * Longest a client may take to send a whole request (ms). The API server sends an admission at
   * once and gives up after the configuration's timeoutSeconds; a client that trickles a body would
   * otherwise hold a socket and up to `bodyLimit` of buffer for ever (fastify's default is no limit).
   */
  requestTimeoutMs?: number;
  /** TLS options for the underlying https server; omit for plain HTTP (tests with inject). */
  https?: HttpsServerOptions;
}

export function buildWebhookApp(options: WebhookAppOptions): FastifyInstance {
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? new WebhookMetrics();
  const events = options.events ?? NO_EVENTS;
  const ownership = options.ownership ?? NO_HPA;
  const policy = options.policy ?? (() => DEFAULT_CONTEXT);
  const isReady = options.isReady ?? (() => true);
  const log = options.logger;

  const recordEvent = async (outcome: AdmissionOutcome): Promise<void> => {
    try {
      await events.record({
        namespace: outcome.request.namespace ?? '',
        name: deploymentName(outcome.request),
        type: 'Warning',
        reason: 'InvalidAnnotation',
        // The same printable, bounded sentences the response carried (kubectl describe shows them).
        message: sanitizeWarnings(outcome.warnings).join('; ').slice(0, 1024),
      });
    } catch (err) {
      metrics.observeEventFailure();
      log.warn({ err: (err as Error).message }, 'recording an event failed');
    }
  };

  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  // Given to the server's constructor too: Node 20 enforces a requestTimeout only when the server
  // was created with one (fastify sets it afterwards, which alone changed nothing: measured). Node
  // checks every 30 s by default, which would let a slow client live that much longer; check as
  // often as the timeout (at most every 2 s).
  const serverTimeouts = { requestTimeout, connectionsCheckingInterval: Math.max(100, Math.min(2000, requestTimeout)) };
  const app = fastify({
    loggerInstance: log,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    requestTimeout,
    // One log line per admission is written below with what matters; fastify's own pair is noise.
    logController: new LogController({ disableRequestLogging: true }),
    // Over TLS the handshake gets the same time (Node's default is 120 s per silent connection).
    ...(options.https ? { https: { ...serverTimeouts, handshakeTimeout: requestTimeout, ...options.https } } : { http: serverTimeouts }),
  }) as unknown as FastifyInstance;

  // JSON only: fastify would also hand a text/plain body to the route, as a string.
  app.removeContentTypeParser('text/plain');

  // Anything the client sent that we cannot read is a 400 with a clear message; the API server
  // shows it, and failurePolicy Ignore keeps the write going.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error instanceof BadReviewError ? 400 : (error.statusCode ?? 500);
    const clientError = status >= 400 && status < 500;
    if (request.routeOptions.url === '/mutate') metrics.observeAdmission(clientError ? 'rejected' : 'error', reply.elapsedTime / 1000, false);
    if (clientError) {
      // fastify says only "Unsupported Media Type"; the API server shows the message, so name what is wrong.
      const message =
        error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? `content-type must be application/json, got ${JSON.stringify(String(request.headers['content-type'] ?? 'none').slice(0, 64))}`
          : error.message;
      log.info({ reason: message, code: error.code }, 'admission request rejected');
      return reply.code(400).send({ error: 'Bad Request', message });
    }
    log.error({ err: error }, 'admission failed');
    return reply.code(500).send({ error: 'Internal Server Error', message: 'the webhook failed; see its logs' });
  });

  app.post('/mutate', async (request, reply) => {
    const nowSec = Math.floor(clock.now() / 1000);
    const outcome = handleAdmission(request.body, policy(), ownership, nowSec);
    // Since fastify started on the request, body parsing included.
    metrics.observeAdmission(outcome.result, reply.elapsedTime / 1000, outcome.request.dryRun);
    metrics.observePatch(outcome.patchOperations);
    metrics.observeWarnings(outcome.warnings.length);
    // Replica changes and ignored input at info; the routine rest (annotations refreshed on every
    // forecast update) at debug, so a cluster of busy Deployments does not flood the log.
    const action = outcome.decision?.action;
    const notable = action === 'scale-up' || action === 'scale-down' || outcome.warnings.length > 0;
    if (notable || (outcome.result === 'patched' && (log.level === 'debug' || log.level === 'trace'))) {
      log[notable ? 'info' : 'debug'](
        {
          uid: outcome.request.uid,
          namespace: outcome.request.namespace,
          name: deploymentName(outcome.request),
          dryRun: outcome.request.dryRun,
          decision: outcome.decision,
          patchOperations: outcome.patchOperations,
          warnings: outcome.warnings.length,
        },
        'admitted',
      );
    }
    // Events are side effects: recorded once the answer is out, never for dryRun (sideEffects: NoneOnDryRun).
    if (outcome.warnings.length > 0 && !outcome.request.dryRun) reply.raw.once('finish', () => void recordEvent(outcome));
    return reply.send(outcome.review);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => (isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' })));
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()));
  return app;
}
