/**
 * `kubectl smartscale install [--dry-run] [-n smartscale-system] [--cert-manager] [--manifests DIR]`:
 * renders smartscale's manifests with a webhook certificate generated here (or requested from
 * cert-manager) and server-side applies them, or prints them with --dry-run (no cluster access).
 * What it runs is install-run.ts, loaded when it runs (docs/plugin.md, start-up).
 */
import type { Argv, CommandModule } from 'yargs';
import type { CommonArgs } from '../cluster/command.js';

export interface InstallArgs extends CommonArgs {
  dryRun?: boolean;
  certManager?: boolean;
  manifests?: string;
}

export const installCommand: CommandModule<object, InstallArgs> = {
  command: 'install',
  describe: 'Install smartscale (CRDs, webhook, RBAC, certificate) into -n NAMESPACE (default smartscale-system), or print it with --dry-run',
  builder: (y: Argv) =>
    y
      .option('dry-run', { type: 'boolean', describe: 'Print the objects instead of applying them (no cluster access)' })
      .option('cert-manager', { type: 'boolean', describe: 'Let cert-manager issue the webhook certificate instead of generating one' })
      .option('manifests', { type: 'string', describe: 'Manifests directory (default: the one shipped with this plugin)' }) as unknown as Argv<InstallArgs>,
  handler: async (args) => (await import('./install-run.js')).runInstall(args),
};
