import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics/index.js';
import type { PolicySet } from '../../policy/index.js';
import type { TargetStatus } from '../../storage/index.js';

export interface HealthRouteOptions {
  policies: () => PolicySet;
  /** Each storage target's readiness at the given instant. */
  storageStatus: (now: Date) => readonly TargetStatus[];
  now: () => Date;
  metrics: Metrics;
}

/** Registers `/healthz` (the process is up), `/readyz` (every storage target can sign) and `/metrics`. */
export async function healthRoutes(app: FastifyInstance, options: HealthRouteOptions): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const { info } = options.policies();
    const targets = options.storageStatus(options.now());
    const ready = targets.length > 0 && targets.every((target) => target.valid);
    reply.code(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'not ready',
      policies: { version: info.version, loadedAt: info.loadedAt.toISOString(), count: info.policyCount },
      credentials: {
        loaded: ready,
        targets: targets.map((target) => ({
          name: target.name,
          source: target.source,
          valid: target.valid,
          ...(target.expiresAt === undefined ? {} : { expiresAt: target.expiresAt.toISOString() }),
        })),
      },
    };
  });

  app.get('/metrics', async (_request, reply) => {
    reply.type(options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
}
