/** The credential sources a storage target can take its keys from. */
export const CREDENTIAL_SOURCES = ['static', 'default-chain', 'assume-role'] as const;
export type CredentialSourceName = (typeof CREDENTIAL_SOURCES)[number];

/** Seconds before expiry at which temporary credentials are refreshed, unless a quarter of their lifetime is longer. */
export const DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS = 300;

/** STS AssumeRole's lower bound for `DurationSeconds` (AWS STS API reference, AssumeRole). */
export const MIN_ROLE_DURATION_SECONDS = 900;

/** STS AssumeRole's upper bound for `DurationSeconds`; a role's own maximum may be lower. */
export const MAX_ROLE_DURATION_SECONDS = 43_200;

const ENVIRONMENT_VARIABLE_NAME = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' } as const;

/**
 * Fields of the sources that need no other credentials: `static` and `default-chain`. Which
 * field goes with which source is checked after the schema (see storage-rules.ts), because
 * it gives clearer messages than a JSON Schema `oneOf`.
 */
const BASE_SOURCE_PROPERTIES = {
  accessKeyIdEnv: { ...ENVIRONMENT_VARIABLE_NAME, description: '`static`: the environment variable that contains the access key id.' },
  secretAccessKeyEnv: { ...ENVIRONMENT_VARIABLE_NAME, description: '`static`: the environment variable that contains the secret access key.' },
  sessionTokenEnv: {
    ...ENVIRONMENT_VARIABLE_NAME,
    description: '`static`: the environment variable that contains the session token of temporary credentials.',
  },
  expirationEnv: {
    ...ENVIRONMENT_VARIABLE_NAME,
    description: "`static`: the environment variable that contains the credentials' expiry (ISO 8601).",
  },
  file: {
    type: 'string',
    minLength: 1,
    description:
      '`static`: a credentials file, read again at each refresh: JSON in the `credential_process` format, or an AWS shared credentials (INI) file.',
  },
  fileFormat: { enum: ['json', 'ini'], description: '`static` with `file`: `json` for a `.json` file, `ini` otherwise, unless set.' },
  profile: {
    type: 'string',
    minLength: 1,
    description: 'The profile of an INI `file`, or the `default-chain` profile (else AWS_PROFILE, else `default`).',
  },
} as const;

/** Credentials that an `assume-role` source calls STS with. */
const SOURCE_CREDENTIALS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['source'],
  properties: {
    source: { enum: ['static', 'default-chain'] },
    ...BASE_SOURCE_PROPERTIES,
  },
} as const;

/**
 * The source of a target's storage credentials. Keys never appear in the configuration
 * itself, because a `static` source names environment variables or a file.
 */
export const CREDENTIALS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['source'],
  properties: {
    source: {
      enum: CREDENTIAL_SOURCES,
      description:
        '`static`: keys from environment variables or a file. `default-chain`: the AWS SDK default chain (environment, shared files, web identity, ECS, instance metadata). `assume-role`: STS AssumeRole.',
    },
    ...BASE_SOURCE_PROPERTIES,
    roleArn: { type: 'string', pattern: '^arn:[^:]*:iam::[^:]*:role/.+$', description: '`assume-role`: the role to assume.' },
    roleSessionName: {
      type: 'string',
      pattern: '^[\\w+=,.@-]{2,64}$',
      description: '`assume-role`: the session name that the store logs; `openraz` when unset.',
    },
    externalId: {
      type: 'string',
      pattern: '^[\\w+=,.@:/-]{2,1224}$',
      description: "`assume-role`: the external id that the role's trust policy requires.",
    },
    durationSeconds: {
      type: 'integer',
      minimum: MIN_ROLE_DURATION_SECONDS,
      maximum: MAX_ROLE_DURATION_SECONDS,
      description: '`assume-role`: the session lifetime in seconds; 3600 when unset.',
    },
    stsEndpoint: { type: 'string', pattern: '^https?://', description: '`assume-role`: the STS endpoint; the AWS regional one when unset.' },
    stsRegion: {
      type: 'string',
      pattern: '^[a-z0-9-]+$',
      description: "`assume-role`: the region STS requests are signed for; the target's region when unset.",
    },
    sourceCredentials: {
      ...SOURCE_CREDENTIALS_SCHEMA,
      description: '`assume-role`: the credentials that call STS; the AWS SDK default chain when unset.',
    },
    refreshBeforeExpirySeconds: {
      type: 'integer',
      minimum: 60,
      maximum: MAX_ROLE_DURATION_SECONDS,
      default: DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS,
      description:
        'Temporary credentials are refreshed in the background when this many seconds, or a quarter of their lifetime if that is longer, remain (never later than half-way).',
    },
  },
} as const;

/** One storage target: an endpoint, its region and addressing, its credentials, and the buckets it serves. */
export const TARGET_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'buckets', 'credentials'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$', description: 'Names the target in logs, metrics and /readyz.' },
    buckets: {
      type: 'array',
      minItems: 1,
      items: { type: 'string', pattern: '^[a-z0-9.*?-]{1,63}$' },
      description: 'Bucket names or patterns (`*` any run of characters, `?` one). The first target in the list that matches a bucket serves it.',
    },
    endpoint: { type: 'string', pattern: '^https?://', description: 'Scheme, host and port; `https://s3.<region>.amazonaws.com` when unset.' },
    region: { type: 'string', pattern: '^[a-z0-9-]+$', default: 'us-east-1' },
    forcePathStyle: { type: 'boolean', default: false },
    putObjectAcl: { enum: ['private', 'bucket-owner-full-control'], description: 'Canned ACL signed into every PutObject, CreateMultipartUpload and CopyObject to this target, when set.' },
    guardCopySource: { type: 'boolean', default: false, description: 'Sign a copy precondition that is always false into PutObject (x-amz-copy-if-unmodified-since 1970) and an empty x-amz-copy-source-range into UploadPart. A store that runs an unsigned x-amz-copy-source (Ceph RGW 16.2) then fails a copy added to the upload. Off by default, because it is tested on Ceph RGW only.' },
    credentials: CREDENTIALS_SCHEMA,
  },
} as const;

/** Fields shared by every credential source's configuration. */
interface BaseSourceConfig {
  accessKeyIdEnv?: string;
  secretAccessKeyEnv?: string;
  sessionTokenEnv?: string;
  expirationEnv?: string;
  file?: string;
  fileFormat?: 'json' | 'ini';
  profile?: string;
}

/** Credentials for calling STS, as `assume-role` takes them. */
export interface SourceCredentialsConfig extends BaseSourceConfig {
  source: 'static' | 'default-chain';
}

/** A validated credential source configuration, as `CREDENTIALS_SCHEMA` describes it. */
export interface CredentialsConfig extends BaseSourceConfig {
  source: CredentialSourceName;
  roleArn?: string;
  roleSessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  stsEndpoint?: string;
  stsRegion?: string;
  sourceCredentials?: SourceCredentialsConfig;
  refreshBeforeExpirySeconds: number;
}

/** A validated entry of `s3.targets`. */
export interface TargetConfig {
  name: string;
  buckets: string[];
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  putObjectAcl?: 'private' | 'bucket-owner-full-control';
  guardCopySource: boolean;
  credentials: CredentialsConfig;
}
