import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/index.js';
import type { PolicySet } from '../../policy/index.js';
import type { UrlSigner } from '../../s3/index.js';

export interface HealthRouteOptions {
  policies: () => PolicySet;
  signer: () => UrlSigner | undefined;
  metrics: Metrics;
}

/** Registers `/healthz` (the process is up), `/readyz` (it can sign) and `/metrics`. */
export async function healthRoutes(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const { info } = options.policies();
    const credentialsLoaded = options.signer() !== undefined;
    reply.code(credentialsLoaded ? 200 : 503);
    return {
      status: credentialsLoaded ? 'ready' : 'not ready',
      policies: { version: info.version, loadedAt: info.loadedAt.toISOString(), count: info.policyCount },
      credentials: { loaded: credentialsLoaded },
    };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
}
