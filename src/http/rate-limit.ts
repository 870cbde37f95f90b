import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { OpenRazError } from '../errors/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Counts one more unit of work against the caller's rate limit, for routes that do several
     * units in one request (a batch item). Resolves to false once the limit is exceeded, and to
     * true when the store fails (the limit fails open). Set only when rate limits are on.
     */
    consumeRateLimitUnit?: (request: FastifyRequest) => Promise<boolean>;
  }
}

export interface RateLimitOptions {
  maxRequestsPerWindow: number;
  windowMs: number;
  /** Shared store for several replicas; in memory when absent. */
  redis?: Redis;
  /** Prefix of the Redis keys. The counters are stored under `<keyPrefix>rate-limit:`. */
  keyPrefix?: string;
}

/** Routes that orchestrators and monitoring poll. They are never limited. */
export const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** Minimum interval between two log lines about store failures, in milliseconds. */
const STORE_FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * Installs fixed-window rate limits on every route except {@link UNLIMITED_ROUTES}, counted
 * per token user (see {@link rateLimitKey}). The counters live in Redis when `redis` is
 * given, so replicas that share it enforce one limit together. Without Redis each process
 * counts on its own in an LRU map of at most 5000 keys, the @fastify/rate-limit 11 default.
 * Beyond that, the least recently seen keys lose their count.
 *
 * Must be registered before the routes it limits, because it attaches its hook to each route
 * as the route is added. It is wrapped with fastify-plugin so that this also covers the routes
 * of sibling plugins.
 *
 * NOTE: a request whose token fails verification is rejected before the limit is checked, so
 * invalid tokens are not limited per client address. Counting them needs a check in the
 * authentication hook.
 */
export const installRateLimit = fastifyPlugin(
  async (app: FastifyInstance, options: RateLimitOptions): Promise<void> => {
    await app.register(fastifyRateLimit, {
      // The plugin's own hooks are off: limitRequest below places the check and handles store
      // failures itself.
      global: false,
      max: options.maxRequestsPerWindow,
      timeWindow: options.windowMs,
      keyGenerator: rateLimitKey,
      skipOnError: false,
      ...(options.redis === undefined ? {} : { redis: options.redis, nameSpace: `${options.keyPrefix ?? ''}rate-limit:` }),
    });

    const checkRateLimit = app.createRateLimit();
    const logStoreFailure = createStoreFailureLog(STORE_FAILURE_LOG_INTERVAL_MS, Date.now);

    async function limitRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      let limit: Awaited<ReturnType<typeof checkRateLimit>>;
      try {
        limit = await checkRateLimit(request);
      } catch (error) {
        // Fails open: a rate limit protects capacity and does not grant or deny access, so a
        // Redis outage must not stop all signing. Policies and tokens are still checked.
        // NOTE: the wait before the error comes from the ioredis client's settings. A refused
        // connection fails within about 0.2 s, but without `commandTimeout` a Redis that drops
        // packets delays each request by several connect timeouts.
        logStoreFailure(request.log, error);
        return;
      }
      if (limit.isAllowed || !limit.isExceeded) return;

      const retryAfterSeconds = Math.max(1, limit.ttlInSeconds);
      reply.header('retry-after', String(retryAfterSeconds));
      throw rateLimitedError(limit.max, limit.timeWindow, retryAfterSeconds, request.caller !== undefined);
    }

    app.addHook('onRoute', (route) => {
      if (!UNLIMITED_ROUTES.has(route.url)) appendOnRequestHook(route, limitRequest);
    });

    app.decorate('consumeRateLimitUnit', async (request: FastifyRequest): Promise<boolean> => {
      try {
        const limit = await checkRateLimit(request);
        return limit.isAllowed || !limit.isExceeded;
      } catch (error) {
        logStoreFailure(request.log, error);
        return true;
      }
    });
  },
  { name: 'openraz-rate-limit', fastify: '5.x' },
);

/**
 * Returns the key that a request is counted under: the verified token's user, or the client
 * address (IPv6 grouped by /64, as @fastify/rate-limit does) for a request without one. The
 * two kinds have separate prefixes, so a user named like an address has its own count.
 */
export function rateLimitKey(request: FastifyRequest): string {
  if (request.caller !== undefined) return `user:${request.caller.user}`;
  return `address:${normalizeIP(request.ip)}`;
}

/** Builds the 429 error, which the error handler sends in the error shape of every response. */
export function rateLimitedError(max: number, windowMs: number, retryAfterSeconds: number, perUser: boolean): OpenRazError {
  const subject = perUser ? 'user' : 'client address';
  return new OpenRazError(
    'ERR_RATE_LIMITED',
    `Too many requests: the limit is ${max} per ${windowMs / 1000} s for each ${subject}. Retry after ${retryAfterSeconds} s.`,
  );
}

/**
 * Returns a function that logs store failures at error level: the first one at once, then
 * at most one line per `intervalMs`, with the number of failures left out since the last line.
 */
export function createStoreFailureLog(intervalMs: number, now: () => number): (log: FastifyBaseLogger, error: unknown) => void {
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let unloggedFailures = 0;
  return (log, error) => {
    const time = now();
    if (time - lastLoggedAt < intervalMs) {
      unloggedFailures++;
      return;
    }
    log.error({ err: error, unloggedFailures }, 'rate-limit store failed, so requests pass without a rate limit');
    lastLoggedAt = time;
    unloggedFailures = 0;
  };
}

/**
 * Adds the hook after the route's own `onRequest` hooks. Fastify runs route hooks after the
 * instance hooks, so the limit is checked after the token is verified and before the body is
 * read. A request whose token fails verification stops there and is not counted. The hooks
 * are copied into a new array because several routes may share one.
 */
function appendOnRequestHook(route: RouteOptions, hook: (request: FastifyRequest, reply: FastifyReply) => Promise<void>): void {
  const existing = route.onRequest;
  if (existing === undefined) route.onRequest = [hook];
  else route.onRequest = [...(Array.isArray(existing) ? existing : [existing]), hook];
}
