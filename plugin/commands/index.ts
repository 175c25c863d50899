/**
 * Every `kubectl smartscale` command, registered explicitly (one file each in this folder).
 * Add a command by writing its module and adding it to this list.
 */
import type { CommandModule } from 'yargs';
import { backtestCommand } from './backtest.js';
import { statusCommand } from './status.js';
import { modeCommand } from './mode.js';
import { enableCommand } from './enable.js';
import { disableCommand } from './disable.js';
import { forecastCommand } from './forecast.js';
import { graphCommand } from './graph.js';
import { nodesCommand } from './nodes.js';
import { installCommand } from './install.js';
import { sandboxCommand } from './sandbox.js';
import { simulateCommand } from './simulate.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: Array<CommandModule<any, any>> = [backtestCommand, statusCommand, modeCommand, enableCommand, disableCommand, forecastCommand, graphCommand, nodesCommand, installCommand, sandboxCommand, simulateCommand];
