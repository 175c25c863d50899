/** Worker thread for runJobs: builds the scenario once, then runs the jobs it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { runJob, type WorkerInit, type WorkerReply, type WorkerRequest } from './jobs.js';
import { simContext } from './run.js';

const init = workerData as WorkerInit;
const ctx = simContext(init.scenario, init.catalog);
parentPort?.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: request.id, result: runJob(ctx, request.job) };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply);
});
