import { MAX_PRESIGNED_EXPIRES_SECONDS } from '../s3/index.js';
import { CREDENTIALS_SCHEMA, TARGET_SCHEMA, type CredentialsConfig, type TargetConfig } from './storage-schema.js';

/** Maximum clock tolerance for token times, in seconds. */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

/** JWS algorithms openraz accepts in `jwt.algorithms`; `none` is not one of them. */
export const SUPPORTED_ALGORITHMS = [
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512',
  'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
  'HS256', 'HS384', 'HS512',
] as const;

/**
 * The configuration schema. Every setting has a default or is required, names carry their
 * unit, and unknown keys are errors, so a typo never falls back silently to a default.
 */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['jwt'],
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
        bodyLimitBytes: { type: 'integer', minimum: 1024, maximum: 16_777_216, default: 1_048_576 },
        trustedProxies: {
          type: 'array',
          default: [],
          items: { type: 'string', minLength: 1 },
          description: 'Addresses or CIDR blocks of reverse proxies whose X-Forwarded-For is believed; the client is the nearest address not in this list.',
        },
      },
    },
    policies: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        dir: { type: 'string', minLength: 1, default: 'policies' },
        watch: { type: 'boolean', default: true, description: 'Reload when a file in the directory changes; SIGHUP always reloads.' },
        wildCard: { type: 'boolean', default: true, description: 'Ranger path matcher option: `*` and `?` are wildcards.' },
        ignoreCase: { type: 'boolean', default: false, description: 'Ranger path matcher option; S3 keys are case-sensitive.' },
        pathSeparatorChar: { type: 'string', minLength: 1, maxLength: 1, default: '/' },
      },
    },
    jwt: {
      type: 'object',
      additionalProperties: false,
      required: ['issuer', 'audience', 'algorithms'],
      properties: {
        issuer: { type: 'string', minLength: 1 },
        audience: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        algorithms: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: SUPPORTED_ALGORITHMS } },
        jwksUrl: { type: 'string', pattern: '^https?://' },
        jwksFile: { type: 'string', minLength: 1 },
        publicKeyFile: { type: 'string', minLength: 1 },
        secretFile: { type: 'string', minLength: 1 },
        userClaim: { type: 'string', minLength: 1, default: 'sub' },
        groupsClaim: { type: 'string', minLength: 1, default: 'groups' },
        clockToleranceSeconds: { type: 'integer', minimum: 0, maximum: MAX_CLOCK_TOLERANCE_SECONDS, default: 30 },
        maxTokenAgeSeconds: { type: 'integer', minimum: 1 },
        jwksTimeoutMs: { type: 'integer', minimum: 100, maximum: 60_000, default: 5_000 },
        jwksCooldownMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 30_000 },
        jwksCacheMaxAgeMs: { type: 'integer', minimum: 1_000, default: 600_000 },
        adminScope: { type: 'string', minLength: 1, default: 'openraz:admin', description: 'Scope (in `scope` or `scp`) for the admin routes (/v1/admin/...) and for explanations and `as` in /v1/authorize.' },
      },
    },
    s3: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        endpoint: { type: 'string', pattern: '^https?://', description: 'Without `targets`: the endpoint of the single target. `https://s3.<region>.amazonaws.com` when unset.' },
        region: { type: 'string', pattern: '^[a-z0-9-]+$', default: 'us-east-1', description: 'Without `targets`: the region of the single target.' },
        forcePathStyle: { type: 'boolean', default: false, description: 'Without `targets`: path-style addressing for the single target.' },
        credentials: {
          ...CREDENTIALS_SCHEMA,
          description: 'Without `targets`: the credential source of the single target. Unset: `static` from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION.',
        },
        targets: {
          type: 'array',
          minItems: 1,
          items: TARGET_SCHEMA,
          description: 'Several storage targets, each chosen by bucket name or pattern. When set, endpoint, region, forcePathStyle, putObjectAcl and credentials must not be set here.',
        },
        reservedBucketNames: {
          type: 'array',
          default: ['admin', 'auth', 'swift'],
          items: { type: 'string', minLength: 1 },
          description: 'Bucket names never signed, because the store routes those paths to its own APIs (Ceph RGW: /admin, /auth, /swift).',
        },
        allowDotSegments: {
          type: 'boolean',
          default: false,
          description: 'Sign keys with `.` or `..` path segments. Off by default, because common HTTP clients and URL parsers rewrite such paths.',
        },
        guardCopySource: {
          type: 'boolean',
          default: false,
          description: 'Without `targets`: Sign a copy precondition that is always false into PutObject (x-amz-copy-if-unmodified-since 1970) and an empty x-amz-copy-source-range into UploadPart. A store that runs an unsigned x-amz-copy-source (Ceph RGW 16.2) then fails a copy added to the upload. Off by default, because it is tested on Ceph RGW only.',
        },
        putObjectAcl: {
          enum: ['private', 'bucket-owner-full-control'],
          description: 'Without `targets`: canned ACL signed into every PutObject, so the uploader cannot add another (for stores that accept unsigned x-amz-* headers). Unset by default: AWS buckets with ACLs disabled reject most ACL headers.',
        },
      },
    },
    signing: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        defaultExpiresSeconds: { type: 'integer', minimum: 1, maximum: MAX_PRESIGNED_EXPIRES_SECONDS, default: 300 },
        maxExpiresSeconds: { type: 'integer', minimum: 1, maximum: MAX_PRESIGNED_EXPIRES_SECONDS, default: 3600 },
        maxBatchSize: {
          type: 'integer',
          minimum: 1,
          default: 1000,
          description: 'Maximum number of sign requests in one POST /v1/sign/batch. The body limit (server.bodyLimitBytes) also bounds a batch.',
        },
      },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        destination: { type: 'string', minLength: 1, default: 'stdout', description: '`stdout`, `stderr` or a file path (appended).' },
        onFailure: {
          enum: ['block', 'continue'],
          default: 'block',
          description: '`block`: while the audit destination cannot be written, decisions return 503 and nothing is signed. `continue`: keep serving and count the lost lines.',
        },
      },
    },
    redis: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        url: { type: 'string', pattern: '^rediss?://', description: 'Shared state for several replicas: rate limits and revocations. Unset: in memory.' },
        keyPrefix: { type: 'string', minLength: 1, default: 'openraz:' },
      },
    },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: true },
        maxRequestsPerWindow: { type: 'integer', minimum: 1, default: 1200, description: 'Requests per principal (token user) in one window, over all /v1/ routes. A request whose token fails is rejected before it is counted.' },
        windowMs: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 60_000 },
      },
    },
    revocation: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        file: { type: 'string', minLength: 1, description: 'JSON file of blocked users, groups, token ids and bucket prefixes, for GitOps; reloaded when it changes.' },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      },
    },
  },
} as const;

/** The validated configuration, with every default filled in. */
export interface Config {
  server: { host: string; port: number; bodyLimitBytes: number; trustedProxies: string[] };
  policies: { dir: string; watch: boolean; wildCard: boolean; ignoreCase: boolean; pathSeparatorChar: string };
  jwt: {
    issuer: string;
    audience: string[];
    algorithms: (typeof SUPPORTED_ALGORITHMS)[number][];
    jwksUrl?: string;
    jwksFile?: string;
    publicKeyFile?: string;
    secretFile?: string;
    userClaim: string;
    groupsClaim: string;
    clockToleranceSeconds: number;
    maxTokenAgeSeconds?: number;
    jwksTimeoutMs: number;
    jwksCooldownMs: number;
    jwksCacheMaxAgeMs: number;
    adminScope: string;
  };
  s3: {
    endpoint?: string;
    region: string;
    forcePathStyle: boolean;
    reservedBucketNames: string[];
    allowDotSegments: boolean;
    putObjectAcl?: 'private' | 'bucket-owner-full-control';
    guardCopySource: boolean;
    /** Unset means `static` from the standard AWS_* environment variables. */
    credentials?: CredentialsConfig;
    targets?: TargetConfig[];
  };
  signing: { defaultExpiresSeconds: number; maxExpiresSeconds: number; maxBatchSize: number };
  audit: { destination: string; onFailure: 'block' | 'continue' };
  redis: { url?: string; keyPrefix: string };
  rateLimit: { enabled: boolean; maxRequestsPerWindow: number; windowMs: number };
  revocation: { file?: string };
  log: { level: string };
}
