/**
 * Every `kubectl smartscale` command, registered explicitly (one file each in this folder).
 * Add a command by writing its module and adding it to this list. Each builder is followed by
 * withStrictValues (flags.ts: a flag that takes a value must be given one) and
 * withCommandUsageErrors (usage errors point at the command's own --help).
 */
import type { Argv, CommandModule } from 'yargs';
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
import { withCommandUsageErrors, withStrictValues } from './flags.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

function strict(command: AnyCommand): AnyCommand {
  const builder = command.builder;
  return {
    ...command,
    builder: (y: Argv) => withCommandUsageErrors(withStrictValues(typeof builder === 'function' ? (builder(y) as Argv) : builder ? y.options(builder) : y), String(command.command)),
  };
}

export const commands: AnyCommand[] = [backtestCommand, statusCommand, modeCommand, enableCommand, disableCommand, forecastCommand, graphCommand, nodesCommand, installCommand, sandboxCommand, simulateCommand].map(strict);
