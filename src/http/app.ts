import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FastifyServerOptions } from 'fastify';
import type { AuthorityDependencies } from '../authority/index.js';
import type { TokenVerifier } from '../auth/index.js';
import { OpenRazError } from '../errors/index.js';
import type { RevocationStore } from '../revocation/index.js';
import type { TargetStatus } from '../storage/index.js';
import { installErrorHandler } from './error-handler.js';
import { installRateLimit, type RateLimitOptions } from './rate-limit.js';
import { adminRoutes } from './routes/admin.js';
import { healthRoutes } from './routes/health.js';
import { decisionRoutes } from './routes/decisions.js';
import { signBatchRoutes } from './routes/sign-batch.js';
import { signRequestRoutes } from './routes/sign-request.js';

/** Paths the diagnostic log must never show, whatever the log level. */
export const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-amz-security-token"]',
  'res.headers["set-cookie"]',
];

/**
 * Pino serializers for the diagnostic log. A request is logged by its path only: a query
 * string can carry a token (`?access_token=`) that the service rejects but must not log.
 */
export const LOG_SERIALIZERS = {
  req(request: { method: string; url: string; id?: string; ip?: string }) {
    return { method: request.method, path: request.url.split('?')[0], id: request.id, remoteAddress: request.ip };
  },
};

export interface AppOptions {
  authority: AuthorityDependencies;
  /** Each storage target's readiness at an instant, for /readyz. */
  storageStatus: (now: Date) => readonly TargetStatus[];
  verifier: TokenVerifier;
  /** The clock; tests pin it. */
  now?: () => Date;
  /** Pino options for the diagnostic log, or false for none. */
  logger?: FastifyServerOptions['logger'];
  bodyLimitBytes?: number;
  /** Token scope that allows `/v1/authorize` for another principal and the admin routes; default `openraz:admin`. */
  adminScope?: string;
  /** The admins' blocks; the `/v1/admin/revocations` routes are registered only with a store. */
  revocations?: RevocationStore;
  /** Per-principal rate limits; none when absent. */
  rateLimit?: RateLimitOptions;
  /** Reverse proxies whose X-Forwarded-For is believed, as addresses or CIDR blocks. */
  trustedProxies?: readonly string[];
}

/**
 * Builds the Fastify app. It only wires routes, parsers and the error handler together; the
 * logic lives in plain functions that tests call directly.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    // With a list, the client address is the nearest one in X-Forwarded-For that is not a
    // trusted proxy; addresses further left, which the client wrote itself, are ignored.
    trustProxy: options.trustedProxies !== undefined && options.trustedProxies.length > 0 ? [...options.trustedProxies] : false,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    ajv: {
      // Fastify's defaults strip unknown fields and coerce types; both would hide client errors.
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: false },
    },
  });

  installJsonParser(app);
  installErrorHandler(app, options.authority.metrics);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.header('cache-control', 'no-store');
  });

  const now = options.now ?? (() => new Date());
  if (options.rateLimit !== undefined) app.register(installRateLimit, options.rateLimit);
  const adminScope = options.adminScope ?? 'openraz:admin';
  app.register(decisionRoutes, { authority: options.authority, verifier: options.verifier, now, adminScope });
  app.register(signRequestRoutes, { authority: options.authority, verifier: options.verifier, now });
  app.register(signBatchRoutes, { authority: options.authority, verifier: options.verifier, now });
  if (options.revocations !== undefined) {
    app.register(adminRoutes, { revocations: options.revocations, verifier: options.verifier, audit: options.authority.audit, now, adminScope });
  }
  app.register(healthRoutes, {
    policies: options.authority.policies,
    storageStatus: options.storageStatus,
    now,
    metrics: options.authority.metrics,
  });
  return app;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Replaces the JSON parser with one that rejects invalid UTF-8: the default one decodes it
 * to U+FFFD, which would sign a different key than the client sent.
 */
function installJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // Only JSON bodies are accepted; Fastify's text/plain parser would let a string through.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      done(new OpenRazError('ERR_REQUEST_MEDIA_TYPE', `The body must be UTF-8 JSON; charset "${charset}" is not accepted.`), undefined);
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(body as Buffer);
    } catch {
      done(new OpenRazError('ERR_REQUEST_BODY_NOT_JSON', 'The request body is not valid UTF-8.'), undefined);
      return;
    }
    parseJson(request, text, done);
  });
}
