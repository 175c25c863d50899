/** The webhook's pure decision. Imports nothing from fastify, pino or client libraries. */
export { MAX_REPLICAS, mutate } from './mutate.js';
export { capacityFor, podRequests } from './capacity.js';
export { formatDecisionRecord, parseDecisionRecord } from './decision-record.js';
export { DEFAULT_CONTEXT, WebhookAnnotations, type DecisionAction, type DecisionRecord, type MutateContext, type MutateResult } from './types.js';
