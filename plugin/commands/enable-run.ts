/** What `kubectl smartscale enable` runs (enable.ts declares it; this loads only when it runs). */
import { effectiveChanges } from '../cluster/annotate.js';
import { getDeployment } from '../cluster/deployments.js';
import { enableChanges } from '../cluster/opt-in.js';
import { applyAnnotationChanges, withDeployment } from './deployment-command.js';
import type { EnableArgs } from './enable.js';

export function runEnable(args: EnableArgs): Promise<void> {
  return withDeployment(args, getDeployment, (context) => {
    const current = context.deployment.metadata.annotations;
    return applyAnnotationChanges(context, args.deployment, effectiveChanges(current, enableChanges(current, args)), {
      unchanged: 'already enabled with these settings (unchanged)',
      changed: 'enabled',
      next: () => 'Next: the forecaster picks it up at its next step; the webhook then annotates target and peak replicas.',
    });
  });
}
