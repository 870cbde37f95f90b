import type { LoadProblem } from '../errors/index.js';

type ValueType = 'string' | 'integer' | 'boolean' | 'list' | 'json';

/**
 * The environment variables that override configuration settings, with the JSON pointer
 * each one sets. A test checks that every setting of the schema has one.
 */
export const ENVIRONMENT_OVERRIDES: Record<string, { pointer: string; type: ValueType }> = {
  OPENRAZ_HOST: { pointer: '/server/host', type: 'string' },
  OPENRAZ_PORT: { pointer: '/server/port', type: 'integer' },
  OPENRAZ_BODY_LIMIT_BYTES: { pointer: '/server/bodyLimitBytes', type: 'integer' },
  OPENRAZ_TRUSTED_PROXIES: { pointer: '/server/trustedProxies', type: 'list' },
  OPENRAZ_POLICIES_DIR: { pointer: '/policies/dir', type: 'string' },
  OPENRAZ_POLICIES_WATCH: { pointer: '/policies/watch', type: 'boolean' },
  OPENRAZ_POLICIES_WILDCARD: { pointer: '/policies/wildCard', type: 'boolean' },
  OPENRAZ_POLICIES_IGNORE_CASE: { pointer: '/policies/ignoreCase', type: 'boolean' },
  OPENRAZ_POLICIES_PATH_SEPARATOR: { pointer: '/policies/pathSeparatorChar', type: 'string' },
  OPENRAZ_JWT_ISSUER: { pointer: '/jwt/issuer', type: 'string' },
  OPENRAZ_JWT_AUDIENCE: { pointer: '/jwt/audience', type: 'list' },
  OPENRAZ_JWT_ALGORITHMS: { pointer: '/jwt/algorithms', type: 'list' },
  OPENRAZ_JWT_JWKS_URL: { pointer: '/jwt/jwksUrl', type: 'string' },
  OPENRAZ_JWT_JWKS_FILE: { pointer: '/jwt/jwksFile', type: 'string' },
  OPENRAZ_JWT_PUBLIC_KEY_FILE: { pointer: '/jwt/publicKeyFile', type: 'string' },
  OPENRAZ_JWT_SECRET_FILE: { pointer: '/jwt/secretFile', type: 'string' },
  OPENRAZ_JWT_USER_CLAIM: { pointer: '/jwt/userClaim', type: 'string' },
  OPENRAZ_JWT_GROUPS_CLAIM: { pointer: '/jwt/groupsClaim', type: 'string' },
  OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS: { pointer: '/jwt/clockToleranceSeconds', type: 'integer' },
  OPENRAZ_JWT_MAX_TOKEN_AGE_SECONDS: { pointer: '/jwt/maxTokenAgeSeconds', type: 'integer' },
  OPENRAZ_JWT_JWKS_TIMEOUT_MS: { pointer: '/jwt/jwksTimeoutMs', type: 'integer' },
  OPENRAZ_JWT_JWKS_COOLDOWN_MS: { pointer: '/jwt/jwksCooldownMs', type: 'integer' },
  OPENRAZ_JWT_JWKS_CACHE_MAX_AGE_MS: { pointer: '/jwt/jwksCacheMaxAgeMs', type: 'integer' },
  OPENRAZ_JWT_ADMIN_SCOPE: { pointer: '/jwt/adminScope', type: 'string' },
  OPENRAZ_S3_ENDPOINT: { pointer: '/s3/endpoint', type: 'string' },
  OPENRAZ_S3_REGION: { pointer: '/s3/region', type: 'string' },
  OPENRAZ_S3_FORCE_PATH_STYLE: { pointer: '/s3/forcePathStyle', type: 'boolean' },
  OPENRAZ_S3_RESERVED_BUCKETS: { pointer: '/s3/reservedBucketNames', type: 'list' },
  OPENRAZ_S3_PUT_OBJECT_ACL: { pointer: '/s3/putObjectAcl', type: 'string' },
  OPENRAZ_S3_GUARD_COPY_SOURCE: { pointer: '/s3/guardCopySource', type: 'boolean' },
  OPENRAZ_S3_CREDENTIALS: { pointer: '/s3/credentials', type: 'json' },
  OPENRAZ_S3_TARGETS: { pointer: '/s3/targets', type: 'json' },
  OPENRAZ_DEFAULT_EXPIRES_SECONDS: { pointer: '/signing/defaultExpiresSeconds', type: 'integer' },
  OPENRAZ_MAX_EXPIRES_SECONDS: { pointer: '/signing/maxExpiresSeconds', type: 'integer' },
  OPENRAZ_AUDIT_DESTINATION: { pointer: '/audit/destination', type: 'string' },
  OPENRAZ_AUDIT_ON_FAILURE: { pointer: '/audit/onFailure', type: 'string' },
  OPENRAZ_REDIS_URL: { pointer: '/redis/url', type: 'string' },
  OPENRAZ_REDIS_KEY_PREFIX: { pointer: '/redis/keyPrefix', type: 'string' },
  OPENRAZ_RATE_LIMIT_ENABLED: { pointer: '/rateLimit/enabled', type: 'boolean' },
  OPENRAZ_RATE_LIMIT_MAX_REQUESTS: { pointer: '/rateLimit/maxRequestsPerWindow', type: 'integer' },
  OPENRAZ_RATE_LIMIT_WINDOW_MS: { pointer: '/rateLimit/windowMs', type: 'integer' },
  OPENRAZ_REVOCATION_FILE: { pointer: '/revocation/file', type: 'string' },
  OPENRAZ_S3_ALLOW_DOT_SEGMENTS: { pointer: '/s3/allowDotSegments', type: 'boolean' },
  OPENRAZ_LOG_LEVEL: { pointer: '/log/level', type: 'string' },
  OPENRAZ_SIGNING_MAX_BATCH_SIZE: { pointer: '/signing/maxBatchSize', type: 'integer' },
};

/**
 * Writes the overrides found in `env` into `config` (a parsed file, or `{}`), creating
 * sections as needed, and records in `applied` which variable set which pointer. A value
 * that cannot be parsed is reported, not skipped.
 */
export function applyEnvironmentOverrides(
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  applied: Map<string, string> = new Map(),
): LoadProblem[] {
  const problems: LoadProblem[] = [];
  for (const [name, { pointer, type }] of Object.entries(ENVIRONMENT_OVERRIDES)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;

    const parsed = parseValue(raw.trim(), type);
    if (parsed === undefined) {
      // A JSON value is long, so the message names the variable only.
      const valueText = type === 'json' ? 'value' : `"${raw}"`;
      problems.push({ source: name, pointer, message: `invalid ${VALUE_DESCRIPTIONS[type]} ${valueText}` });
      continue;
    }
    const [section, field] = pointer.slice(1).split('/') as [string, string];
    const target = (config[section] ??= {}) as Record<string, unknown>;
    target[field] = parsed;
    applied.set(pointer, name);
  }
  return problems;
}

const VALUE_DESCRIPTIONS: Record<ValueType, string> = {
  string: 'string',
  integer: 'integer',
  boolean: 'boolean',
  list: 'comma-separated list',
  json: 'JSON',
};

function parseValue(raw: string, type: ValueType): unknown {
  switch (type) {
    case 'string':
      return raw;
    case 'integer':
      return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
    case 'boolean':
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      return undefined;
    case 'list': {
      const items = raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
      return items.length > 0 ? items : undefined;
    }
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return undefined;
      }
  }
}
