import { Redis } from 'ioredis';
import type { Config } from '../config/index.js';

/**
 * Opens the shared Redis connection that several replicas use for rate limits and
 * revocations, or returns undefined when `redis.url` is not set (state stays in memory).
 */
export function createRedisClient(config: Config['redis']): Redis | undefined {
  if (config.url === undefined) return undefined;
  return new Redis(config.url, { keyPrefix: undefined, maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
}
