/** What `kubectl smartscale enable` runs (enable.ts declares it; this loads only when it runs). */
import { effectiveChanges } from '../cluster/annotate.js';
import { getDeployment } from '../cluster/deployments.js';
import { enableChanges } from '../cluster/opt-in.js';
import { webhookExclusion } from '../cluster/webhook-scope.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { applyAnnotationChanges, withDeployment } from './deployment-command.js';
import type { EnableArgs } from './enable.js';

export function runEnable(args: EnableArgs): Promise<void> {
  return withDeployment(args, getDeployment, async (context) => {
    // Enabled there, it would say "enabled" and nothing would ever act on it.
    const { session } = context;
    const excluded = await webhookExclusion(session.client, session.namespace, session.home);
    if (excluded) {
      throw new CliError(`namespace ${session.namespace} is never seen by smartscale's webhook: ${excluded}; a Deployment there never gets replica targets or capacity, so it was not enabled`, ExitCode.usage);
    }
    const current = context.deployment.metadata.annotations;
    return applyAnnotationChanges(context, args.deployment, effectiveChanges(current, enableChanges(current, args)), {
      unchanged: 'already enabled with these settings (unchanged)',
      changed: 'enabled',
      next: () => 'Next: the forecaster picks it up at its next step; the webhook then annotates target and peak replicas.',
    });
  });
}
