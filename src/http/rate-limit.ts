import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';

export interface RateLimitOptions {
  maxRequestsPerWindow: number;
  windowMs: number;
  /** Shared store for several replicas; in memory when absent. */
  redis?: Redis;
  keyPrefix?: string;
}

/** Installs per-principal rate limits on the decision routes. */
export async function installRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  // TODO: not implemented yet; every request passes.
  void app;
  void options;
}
