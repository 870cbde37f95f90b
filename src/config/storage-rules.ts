import type { LoadProblem } from '../errors/index.js';
import { awsEndpoint, checkEndpointRegion, parseStorageTarget } from '../s3/index.js';
import type { Config } from './schema.js';
import type { CredentialsConfig, SourceCredentialsConfig } from './storage-schema.js';

/** Settings of `s3` that describe the single target, so they conflict with `s3.targets`. */
const SINGLE_TARGET_FIELDS = ['endpoint', 'region', 'forcePathStyle', 'putObjectAcl', 'guardCopySource', 'credentials'] as const;

const ENVIRONMENT_FIELDS = ['accessKeyIdEnv', 'secretAccessKeyEnv', 'sessionTokenEnv', 'expirationEnv'] as const;

/** The fields each credential source takes, besides `source`. */
const SOURCE_FIELDS: Record<CredentialsConfig['source'], ReadonlySet<string>> = {
  static: new Set([...ENVIRONMENT_FIELDS, 'file', 'fileFormat', 'profile', 'refreshBeforeExpirySeconds']),
  'default-chain': new Set(['profile', 'refreshBeforeExpirySeconds']),
  'assume-role': new Set([
    'roleArn',
    'roleSessionName',
    'externalId',
    'durationSeconds',
    'stsEndpoint',
    'stsRegion',
    'sourceCredentials',
    'refreshBeforeExpirySeconds',
  ]),
};

/** Field names that would put a key into the configuration, which a credential source never takes. */
const INLINE_KEY_FIELD = /^(accessKeyId|secretAccessKey|sessionToken|aws_access_key_id|aws_secret_access_key|aws_session_token)$/i;

/**
 * Checks the storage settings that JSON Schema cannot: endpoints, the region each endpoint
 * needs, unique target names, and which credential fields go with which source.
 *
 * @param explicit the `s3` section as written, before defaults, to tell a set value from a default.
 */
export function checkStorageSettings(s3: Config['s3'], explicit: Record<string, unknown> | undefined, source: string): LoadProblem[] {
  const problems: LoadProblem[] = [];
  const problem = (pointer: string, message: string) => problems.push({ source, pointer, message });

  if (s3.targets === undefined) {
    checkEndpoint(s3.endpoint, s3.region, '/s3', problem);
    if (s3.credentials !== undefined) checkCredentials(s3.credentials, '/s3/credentials', problem);
    return problems;
  }

  for (const field of SINGLE_TARGET_FIELDS) {
    if (explicit?.[field] !== undefined) {
      problem(`/s3/${field}`, `s3.${field} describes the single target used without s3.targets; set "${field}" on each target instead`);
    }
  }
  const firstUse = new Map<string, number>();
  s3.targets.forEach((target, index) => {
    const pointer = `/s3/targets/${index}`;
    const earlier = firstUse.get(target.name);
    if (earlier === undefined) firstUse.set(target.name, index);
    else problem(`${pointer}/name`, `target name "${target.name}" is already used by /s3/targets/${earlier}; names must be unique`);
    checkEndpoint(target.endpoint, target.region, pointer, problem);
    checkCredentials(target.credentials, `${pointer}/credentials`, problem);
  });
  return problems;
}

/**
 * Rewrites the schema's "unknown field" problem for a key written into the configuration, so
 * the message names where keys belong.
 */
export function explainInlineKey(problem: LoadProblem): LoadProblem {
  const field = problem.pointer.slice(problem.pointer.lastIndexOf('/') + 1);
  if (!problem.pointer.includes('/credentials') || !INLINE_KEY_FIELD.test(field)) return problem;
  return {
    ...problem,
    message: `storage keys are not allowed in the configuration: with source "static", name environment variables (accessKeyIdEnv, secretAccessKeyEnv, sessionTokenEnv) or a credentials file (file)`,
  };
}

type ProblemSink = (pointer: string, message: string) => void;

function checkEndpoint(endpoint: string | undefined, region: string, pointer: string, problem: ProblemSink): void {
  let hostname: string;
  try {
    hostname = parseStorageTarget(endpoint ?? awsEndpoint(region), region, false).hostname;
  } catch (error) {
    problem(`${pointer}/${endpoint === undefined ? 'region' : 'endpoint'}`, (error as Error).message);
    return;
  }
  const mismatch = checkEndpointRegion(hostname, region);
  if (mismatch !== undefined) problem(`${pointer}/region`, mismatch);
}

function checkCredentials(credentials: CredentialsConfig | SourceCredentialsConfig, pointer: string, problem: ProblemSink): void {
  const allowed = SOURCE_FIELDS[credentials.source];
  for (const field of Object.keys(credentials)) {
    if (field !== 'source' && !allowed.has(field))
      problem(`${pointer}/${field}`, `field "${field}" does not apply to source "${credentials.source}"`);
  }

  if (credentials.source === 'static') checkStaticSource(credentials, pointer, problem);
  if (credentials.source !== 'assume-role') return;

  const role = credentials as CredentialsConfig;
  if (role.roleArn === undefined)
    problem(`${pointer}/roleArn`, 'missing required field "roleArn": source "assume-role" needs the ARN of the role to assume');
  if (role.stsEndpoint !== undefined) {
    try {
      parseStorageTarget(role.stsEndpoint, 'us-east-1', false);
    } catch (error) {
      problem(`${pointer}/stsEndpoint`, (error as Error).message);
    }
  }
  if (role.sourceCredentials !== undefined) checkCredentials(role.sourceCredentials, `${pointer}/sourceCredentials`, problem);
}

/** Checks that a static source reads either named environment variables (the standard AWS_* ones by default) or one file. */
function checkStaticSource(credentials: CredentialsConfig | SourceCredentialsConfig, pointer: string, problem: ProblemSink): void {
  const named = ENVIRONMENT_FIELDS.filter((field) => credentials[field] !== undefined);
  if (credentials.file !== undefined) {
    for (const field of named)
      problem(`${pointer}/${field}`, `field "${field}" does not go with "file": a static source reads either environment variables or a file`);
    if (credentials.profile !== undefined && fileFormatOf(credentials) === 'json') {
      problem(`${pointer}/profile`, 'field "profile" applies only to an INI credentials file');
    }
    return;
  }

  for (const field of ['fileFormat', 'profile'] as const) {
    if (credentials[field] !== undefined) problem(`${pointer}/${field}`, `field "${field}" applies only with "file"`);
  }
  if (named.length > 0) {
    for (const field of ['accessKeyIdEnv', 'secretAccessKeyEnv'] as const) {
      if (credentials[field] === undefined)
        problem(`${pointer}/${field}`, `missing required field "${field}": name both key variables, or none for the standard AWS_* ones`);
    }
  }
}

/** Returns the format of a static source's file: as configured, else JSON for a `.json` name and INI otherwise. */
export function fileFormatOf(credentials: { file?: string; fileFormat?: 'json' | 'ini' }): 'json' | 'ini' {
  return credentials.fileFormat ?? (credentials.file?.toLowerCase().endsWith('.json') ? 'json' : 'ini');
}
