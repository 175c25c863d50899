/**
 * `kubectl smartscale forecast DEPLOYMENT [-o table|json|yaml]`: the Deployment's forecast (from
 * its `smartscale.io/forecast` annotation) as a terminal chart — the demand observed when it was
 * made, the expected demand and its band over the horizon — with the next peak and the model.
 * What it runs is forecast-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import { deploymentPositional } from '../cluster/command.js';
import type { DeploymentArgs } from './deployment-command.js';

export interface ForecastArgs extends DeploymentArgs {
  width?: number;
}

export const forecastCommand: CommandModule<object, ForecastArgs> = {
  command: 'forecast <deployment>',
  describe: "A Deployment's demand forecast with its band, as a chart",
  builder: (y: Argv) =>
    deploymentPositional(y).option('width', { type: 'number', describe: 'Chart width in columns (default: fits the terminal)' }) as unknown as Argv<ForecastArgs>,
  handler: async (args) => (await import('./forecast-run.js')).runForecast(args),
};
