/**
 * Every `kubectl smartscale` command, registered explicitly (one file each in this folder).
 * Add a command by writing its module and adding it to this list.
 */
import type { CommandModule } from 'yargs';
import { backtestCommand } from './backtest.js';
import { sandboxCommand } from './sandbox.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: Array<CommandModule<any, any>> = [backtestCommand, sandboxCommand];
