/** What `kubectl smartscale disable` runs (disable.ts declares it; this loads only when it runs). */
import { getDeployment } from '../cluster/deployments.js';
import { disableChanges } from '../cluster/opt-in.js';
import { applyAnnotationChanges, withDeployment } from './deployment-command.js';
import type { DisableArgs } from './disable.js';

export function runDisable(args: DisableArgs): Promise<void> {
  return withDeployment(args, getDeployment, (context) =>
    applyAnnotationChanges(context, args.deployment, disableChanges(context.deployment.metadata.annotations, args.purge === true), {
      unchanged: 'not enabled (unchanged)',
      changed: 'disabled',
      next: (changed) => (changed ? `Next: smartscale no longer forecasts or scales it; spec.replicas stays at ${context.deployment.spec?.replicas ?? 1}.` : undefined),
    }),
  );
}
