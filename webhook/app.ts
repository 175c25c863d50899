/**
 * The webhook's fastify app, built by a factory and never listening here: tests use `inject`,
 * webhook/server.ts listens. Routes: POST /mutate, GET /healthz, /readyz, /metrics.
 */
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { systemClock, type Clock } from '../core/model/clock.js';
import { deploymentName, handleAdmission, NO_HPA, type AdmissionOutcome, type ClusterPolicy, type ReplicaOwnership } from './admission/handle.js';
import { BadReviewError } from './admission/review.js';
import { NO_EVENTS, type EventRecorder } from './events.js';
import { WebhookMetrics } from './metrics.js';
import { DEFAULT_CONTEXT } from './mutate/index.js';

/** Kubernetes objects are at most ~1.5 MiB; a review carries the object and the old object. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

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
  /** TLS options for the underlying https server; omit for plain HTTP (tests with inject). */
  https?: HttpsServerOptions;
}

/** Route-local state handed from the handler to the onResponse hook. */
declare module 'fastify' {
  interface FastifyRequest {
    admission?: AdmissionOutcome;
  }
}

export function buildWebhookApp(options: WebhookAppOptions): FastifyInstance {
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? new WebhookMetrics();
  const events = options.events ?? NO_EVENTS;
  const ownership = options.ownership ?? NO_HPA;
  const policy = options.policy ?? (() => DEFAULT_CONTEXT);
  const isReady = options.isReady ?? (() => true);
  const log = options.logger;

  const app = fastify({
    loggerInstance: log,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // One log line per admission is written below with what matters; fastify's own pair is noise.
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.https ? { https: options.https } : {}),
  }) as unknown as FastifyInstance;

  // Anything the client sent that we cannot read is a 400 with a clear message; the API server
  // shows it, and failurePolicy Ignore keeps the write going.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error instanceof BadReviewError ? 400 : (error.statusCode ?? 500);
    const clientError = status >= 400 && status < 500;
    const started = (request as { startedAt?: bigint }).startedAt;
    if (request.routeOptions.url === '/mutate') {
      const seconds = started ? Number(process.hrtime.bigint() - started) / 1e9 : 0;
      metrics.observeAdmission(clientError ? 'rejected' : 'error', seconds, false);
    }
    if (clientError) {
      log.info({ reason: error.message, code: error.code }, 'admission request rejected');
      return reply.code(400).send({ error: 'Bad Request', message: error.message });
    }
    log.error({ err: error }, 'admission failed');
    return reply.code(500).send({ error: 'Internal Server Error', message: 'the webhook failed; see its logs' });
  });

  app.addHook('onRequest', async (request) => {
    (request as { startedAt?: bigint }).startedAt = process.hrtime.bigint();
  });

  app.post('/mutate', async (request, reply) => {
    const nowSec = Math.floor(clock.now() / 1000);
    const outcome = handleAdmission(request.body, policy(), ownership, nowSec);
    request.admission = outcome;
    const seconds = Number(process.hrtime.bigint() - (request as { startedAt?: bigint }).startedAt!) / 1e9;
    metrics.observeAdmission(outcome.result, seconds, outcome.request.dryRun);
    metrics.observePatch(outcome.patchOperations);
    metrics.observeWarnings(outcome.warnings.length);
    if (outcome.result === 'patched' || outcome.warnings.length > 0) {
      log.info(
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
    return reply.send(outcome.review);
  });

  // Events are side effects: after the answer, and never for dryRun (sideEffects: NoneOnDryRun).
  app.addHook('onResponse', async (request) => {
    const outcome = request.admission;
    if (!outcome || outcome.request.dryRun || outcome.warnings.length === 0) return;
    try {
      await events.record({
        namespace: outcome.request.namespace ?? '',
        name: deploymentName(outcome.request),
        type: 'Warning',
        reason: 'InvalidAnnotation',
        message: outcome.warnings.join('; ').slice(0, 1024),
      });
    } catch (err) {
      metrics.observeEventFailure();
      log.warn({ err: (err as Error).message }, 'recording an event failed');
    }
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => (isReady() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' })));
  app.get('/metrics', async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()));
  return app;
}
