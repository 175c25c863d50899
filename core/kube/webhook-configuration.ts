/**
 * Writes the CA bundle into a MutatingWebhookConfiguration, so the API server trusts the webhook's
 * self-managed certificate (clusters running cert-manager use its CA injector instead).
 */
import { AdmissionregistrationV1Api, ApiException, type KubeConfig } from '@kubernetes/client-node';

/** Publishes the CA certificate clients must trust. Idempotent: publishing the same CA twice changes nothing. */
export interface CaBundlePublisher {
  publish(caPem: string): Promise<void>;
}

export const NO_CA_PUBLISHING: CaBundlePublisher = { publish: async () => undefined };

/**
 * Sets `clientConfig.caBundle` on every webhook of the named MutatingWebhookConfiguration.
 * Read-modify-replace with the resourceVersion, retried on a conflict.
 */
export function kubeCaBundlePublisher(kubeConfig: KubeConfig, configurationName: string): CaBundlePublisher {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  return {
    async publish(caPem) {
      const caBundle = Buffer.from(caPem, 'utf8').toString('base64');
      for (let attempt = 0; attempt < 5; attempt++) {
        const config = await api.readMutatingWebhookConfiguration({ name: configurationName });
        const webhooks = config.webhooks ?? [];
        if (webhooks.every((w) => w.clientConfig.caBundle === caBundle)) return;
        for (const w of webhooks) w.clientConfig.caBundle = caBundle;
        try {
          await api.replaceMutatingWebhookConfiguration({ name: configurationName, body: config });
          return;
        } catch (err) {
          if (!(err instanceof ApiException && err.code === 409)) throw err;
        }
      }
      throw new Error(`could not update the caBundle of MutatingWebhookConfiguration ${configurationName}: kept conflicting`);
    },
  };
}
