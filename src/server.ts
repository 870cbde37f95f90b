import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify';
import { createAuditLog, type AuditLog } from './audit/index.js';
import { createTokenVerifier } from './auth/index.js';
import type { Config } from './config/index.js';
import { LOG_SERIALIZERS, REDACTED_LOG_PATHS, buildApp } from './http/index.js';
import { createMetrics, recordPolicySet, type Metrics } from './metrics/index.js';
import { createRedisClient } from './redis/index.js';
import { PolicyStore, type ReloadResult } from './policy-store/index.js';
import { RevocationStore, type FileReloadResult, type RedisBlocksEvent } from './revocation/index.js';
import { systemClock, type RefreshClock, type RetryPolicy } from './credentials/index.js';
import { endpointOrigin, type StorageCredentials } from './s3/index.js';
import { CredentialEventLog, SignerRegistry, targetDefinitions } from './storage/index.js';

/** A wired openraz service: the app, ready to listen, and what it needs to shut down. */
export interface OpenRazService {
  app: FastifyInstance;
  audit: AuditLog;
  metrics: Metrics;
  policies: PolicyStore;
  /** The admins' blocks; `reloadFile()` reloads the revocation file. */
  revocations: RevocationStore;
  /** The storage targets and their signers, kept current in the background. */
  storage: SignerRegistry;
  /** Stops accepting requests, waits for the ones in flight, stops credential refreshes and flushes the audit stream. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  /**
   * Fixed storage credentials for every target in place of the configured credential
   * sources, or null for none (the service then reports not ready). By default each target
   * uses the source its configuration names.
   */
  credentials?: StorageCredentials | null;
  /** Time and timers for credential refreshes; by default real timers measured against `now`. */
  clock?: RefreshClock;
  /** Backoff between failed credential refreshes. */
  retry?: RetryPolicy;
  logger?: FastifyServerOptions['logger'];
  now?: () => Date;
  /** Collect Node process metrics; tests that build many apps turn it off. */
  processMetrics?: boolean;
}

/**
 * Loads everything the hot path needs (policies compiled, token keys imported, storage
 * credentials fetched and signers built) and returns the app. Any invalid part stops here
 * with every problem listed. Storage credentials that cannot be fetched do not stop it: their
 * target is not ready, and the fetch is retried in the background where that can help.
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
  const now = options.now ?? (() => new Date());
  // The app's logger exists only once the app is built; the log keeps the first fetches' events until then.
  const credentialLog = new CredentialEventLog(metrics, now);
  const storage = await SignerRegistry.open(targetDefinitions(config.s3), {
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // Refresh times are measured on the service's clock, so a pinned `now` and the credentials' expiry agree.
    clock: options.clock ?? { ...systemClock, now: () => now().getTime() },
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    onEvent: (target, event) => credentialLog.record(target, event),
  });

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
    storage.close();
    redis?.disconnect();
    throw error;
  }
  const audit = createAuditLog(config.audit.destination);

  const app = buildApp({
    authority: {
      policies: () => policies.current(),
      // Throws for a bucket no target serves, and for a target without valid credentials.
      signer: (bucket) => storage.forBucket(bucket, now()),
      storageTargets: () => storage.definitions().map((definition) => definition.target),
      audit,
      metrics,
      signing: config.signing,
      reservedBucketNames: new Set(config.s3.reservedBucketNames),
      allowDotSegments: config.s3.allowDotSegments,
      auditBlocking: config.audit.onFailure === 'block',
      revocations,
    },
    storageStatus: (instant) => storage.status(instant),
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
  credentialLog.attach(app.log);
  revocations.watch();
  app.log.info(
    { revocationFile: config.revocation.file, apiBlockStore: redis === undefined ? 'memory of this replica' : 'redis', activeBlocks: revocations.list().length },
    'revocations loaded',
  );

  const { info } = policies.current();
  const targets = storage.definitions().map((definition) => ({
    name: definition.name,
    buckets: definition.buckets,
    endpoint: endpointOrigin(definition.target),
    region: definition.target.region,
    credentialSource: definition.credentials.source,
  }));
  app.log.info({ policiesDir: config.policies.dir, policyCount: info.policyCount, policyVersion: info.version, targets }, 'openraz configured');

  return {
    app,
    audit,
    metrics,
    policies,
    revocations,
    storage,
    async close() {
      storage.close();
      await policies.close();
      await app.close();
      await revocations.close();
      await audit.close();
      await redis?.quit();
    },
  };
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
