import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import { createAuditLog, type AuditLog } from './audit/index.js';
import { createTokenVerifier } from './auth/index.js';
import type { Config } from './config/index.js';
import { LOG_SERIALIZERS, REDACTED_LOG_PATHS, buildApp } from './http/index.js';
import { createMetrics, recordPolicySet, type Metrics } from './metrics/index.js';
import { createRedisClient } from './redis/index.js';
import { PolicyStore, type ReloadResult } from './policy-store/index.js';
import { RevocationStore, type FileReloadResult, type RedisBlocksEvent } from './revocation/index.js';
import { UrlSigner, awsEndpoint, parseStorageTarget, type StorageCredentials } from './s3/index.js';

/** A wired openraz service: the app, ready to listen, and what it needs to shut down. */
export interface OpenRazService {
  app: FastifyInstance;
  audit: AuditLog;
  metrics: Metrics;
  policies: PolicyStore;
  /** The admins' blocks; `reloadFile()` reloads the revocation file. */
  revocations: RevocationStore;
  /** Stops accepting requests, waits for the ones in flight and flushes the audit stream. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /**
   * Storage credentials, or null for none (the service then reports not ready). By default
   * they are read from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
   */
  credentials?: StorageCredentials | null;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
  /** Collect Node process metrics; tests that build many apps turn it off. */
  processMetrics?: boolean;
}

/**
 * Loads everything the hot path needs (policies compiled, token keys imported, signer
 * built) and returns the app. Any invalid part stops here with every problem listed.
 *
 * @throws LoadError for invalid policies; Error for unreadable key files or a bad endpoint.
 */
export async function createService(config: Config, options: ServiceOptions = {}): Promise<OpenRazService> {
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? true });
  let onReload: (result: ReloadResult) => void = () => {};
  const policies = await PolicyStore.open({
    dir: config.policies.dir,
    matcher: { wildCard: config.policies.wildCard, ignoreCase: config.policies.ignoreCase, pathSeparatorChar: config.policies.pathSeparatorChar },
    onReload: (result) => onReload(result),
  });
  recordPolicySet(metrics, policies.current().info);
  const verifier = await createTokenVerifier(config.jwt);
  const target = {
    ...parseStorageTarget(config.s3.endpoint ?? awsEndpoint(config.s3.region), config.s3.region, config.s3.forcePathStyle),
    ...(config.s3.putObjectAcl === undefined ? {} : { putObjectAcl: config.s3.putObjectAcl }),
  };
  const credentials = options.credentials === undefined ? readCredentialsFromEnvironment(process.env) : options.credentials;
  const signer = credentials ? new UrlSigner(target, credentials) : undefined;
  const now = options.now ?? (() => new Date());

  const redis = createRedisClient(config.redis);
  let revocationLog: RevocationEventLog = { onFileReload() {}, onRedisEvent() {} };
  let revocations: RevocationStore;
  try {
    revocations = await RevocationStore.open({
      ...(config.revocation.file === undefined ? {} : { file: config.revocation.file }),
      ...(redis === undefined ? {} : { redis }),
      keyPrefix: config.redis.keyPrefix,
      onFileReload: (result) => revocationLog.onFileReload(result),
      onRedisEvent: (event) => revocationLog.onRedisEvent(event),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
  } catch (error) {
    redis?.disconnect();
    throw error;
  }
  const audit = createAuditLog(config.audit.destination);

  const app = buildApp({
    authority: {
      policies: () => policies.current(),
      // Expired credentials count as none: nothing is signed with them.
      signer: () => (signer !== undefined && signer.remainingLifetimeSeconds(now()) > 0 ? signer : undefined),
      audit,
      metrics,
      signing: config.signing,
      reservedBucketNames: new Set(config.s3.reservedBucketNames),
      allowDotSegments: config.s3.allowDotSegments,
      auditBlocking: config.audit.onFailure === 'block',
      revocations,
    },
    revocations,
    verifier,
    logger: options.logger ?? { level: config.log.level, redact: REDACTED_LOG_PATHS, serializers: LOG_SERIALIZERS },
    bodyLimitBytes: config.server.bodyLimitBytes,
    trustedProxies: config.server.trustedProxies,
    adminScope: config.jwt.adminScope,
    ...(config.rateLimit.enabled
      ? {
          rateLimit: {
            maxRequestsPerWindow: config.rateLimit.maxRequestsPerWindow,
            windowMs: config.rateLimit.windowMs,
            keyPrefix: config.redis.keyPrefix,
            ...(redis === undefined ? {} : { redis }),
          },
        }
      : {}),
    ...(options.now === undefined ? {} : { now: options.now }),
  });

  onReload = (result) => {
    metrics.policyReloads.inc({ result: result.outcome });
    if (result.outcome === 'loaded') {
      recordPolicySet(metrics, policies.current().info);
      app.log.info({ version: result.version, policyCount: result.policyCount }, 'policies reloaded');
    } else if (result.outcome === 'failed') {
      app.log.error({ err: result.error }, 'policy reload failed; the last good policy set keeps serving');
    }
  };
  if (config.policies.watch) policies.watch();
  revocationLog = createRevocationEventLog(app.log);
  revocations.watch();
  app.log.info(
    { revocationFile: config.revocation.file, apiBlockStore: redis === undefined ? 'memory of this replica' : 'redis', activeBlocks: revocations.list().length },
    'revocations loaded',
  );

  const { info } = policies.current();
  app.log.info(
    { policiesDir: config.policies.dir, policyCount: info.policyCount, policyVersion: info.version, endpoint: `${target.protocol}//${target.hostname}${target.port === undefined ? '' : `:${target.port}`}`, region: target.region },
    'openraz configured',
  );
  if (signer === undefined) {
    app.log.warn('no storage credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): /readyz returns 503 and nothing is signed');
  }

  return {
    app,
    audit,
    metrics,
    policies,
    revocations,
    async close() {
      await policies.close();
      await app.close();
      await revocations.close();
      await audit.close();
      await redis?.quit();
    },
  };
}

/**
 * Reads storage credentials from the standard AWS environment variables:
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION.
 */
export function readCredentialsFromEnvironment(env: NodeJS.ProcessEnv): StorageCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN;
  // The AWS SDKs' environment provider reads the same variable for temporary credentials.
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  if (expiration !== undefined && Number.isNaN(expiration.getTime())) {
    throw new Error(`AWS_CREDENTIAL_EXPIRATION "${env.AWS_CREDENTIAL_EXPIRATION}" is not an ISO 8601 date`);
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), ...(expiration ? { expiration } : {}) };
}

interface RevocationEventLog {
  onFileReload(result: FileReloadResult): void;
  onRedisEvent(event: RedisBlocksEvent): void;
}

/** Minimum interval between two log lines about the Redis connection of the revocations, in milliseconds. */
const REDIS_ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Logs what the revocation store reports. Connection errors repeat on every reconnect
 * attempt, so at most one is logged per minute, with the number left out.
 */
function createRevocationEventLog(log: FastifyBaseLogger, now: () => number = Date.now): RevocationEventLog {
  let lastConnectionErrorAt = Number.NEGATIVE_INFINITY;
  let unloggedConnectionErrors = 0;
  return {
    onFileReload(result) {
      if (result.outcome === 'loaded') log.info({ version: result.version, blockCount: result.blockCount }, 'revocation file reloaded');
      else if (result.outcome === 'failed') log.error({ err: result.error }, 'revocation file reload failed; the last good blocks keep applying');
    },
    onRedisEvent(event) {
      switch (event.type) {
        case 'reloaded':
          log.debug({ blockCount: event.blockCount }, 'revocations reloaded from Redis');
          break;
        case 'reload-failed':
          log.error({ err: event.error }, 'revocations could not be reloaded from Redis; the last known blocks keep applying');
          break;
        case 'invalid-entry':
          log.error({ revocationId: event.id, reason: event.message }, 'invalid revocation in Redis ignored');
          break;
        case 'connection-error': {
          const time = now();
          if (time - lastConnectionErrorAt < REDIS_ERROR_LOG_INTERVAL_MS) {
            unloggedConnectionErrors++;
            break;
          }
          log.warn({ err: event.error, unloggedErrors: unloggedConnectionErrors }, 'Redis connection of the revocations failed; reconnecting');
          lastConnectionErrorAt = time;
          unloggedConnectionErrors = 0;
          break;
        }
      }
    },
  };
}
