/**
 * Runs once in vitest's main process before any test file. It hands every worker the same id for
 * this run, so work that must happen once per run (building the plugin, test/e2e/plugin/support.ts)
 * can tell "already done in this run" from "left over from an earlier one".
 */
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Unique per `vitest run` (or per watch session). */
    testRunId: string;
  }
}

export default function setup(project: TestProject): void {
  project.provide('testRunId', `${process.pid}-${Date.now()}`);
}
