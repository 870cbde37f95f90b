import { readFile } from 'node:fs/promises';
import { fromIni } from '@aws-sdk/credential-providers';
import type { StorageCredentials } from '../s3/index.js';
import { toStorageCredentials, type CredentialSource } from './source.js';

/** The environment variables a static source reads; without names in the configuration, the AWS SDKs' standard ones. */
export interface EnvironmentVariableNames {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: string;
}

/** The variables the AWS SDKs read; AWS_CREDENTIAL_EXPIRATION is the environment provider's expiry (ISO 8601). */
export const STANDARD_ENVIRONMENT_VARIABLES: EnvironmentVariableNames = {
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
  expiration: 'AWS_CREDENTIAL_EXPIRATION',
};

/**
 * Reads static credentials from environment variables once. The process environment cannot
 * change while it runs, so this source is not refreshed, and expiring credentials given
 * this way stop working when they expire.
 */
export function environmentSource(names: EnvironmentVariableNames, env: NodeJS.ProcessEnv = process.env): CredentialSource {
  return {
    kind: 'static',
    refreshable: false,
    resolve: async () => readCredentialsFromEnvironment(env, names),
  };
}

/**
 * Reads credentials from the named environment variables.
 *
 * @throws Error naming the variables that are missing, or the expiry variable when its value is not a date.
 */
export function readCredentialsFromEnvironment(
  env: NodeJS.ProcessEnv,
  names: EnvironmentVariableNames = STANDARD_ENVIRONMENT_VARIABLES,
): StorageCredentials {
  const accessKeyId = env[names.accessKeyId];
  const secretAccessKey = env[names.secretAccessKey];
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(`environment variables ${names.accessKeyId} and ${names.secretAccessKey} are not both set`);
  }
  const sessionToken = names.sessionToken === undefined ? undefined : env[names.sessionToken];
  const rawExpiration = names.expiration === undefined ? undefined : env[names.expiration];
  const expiration = rawExpiration ? new Date(rawExpiration) : undefined;
  if (expiration !== undefined && Number.isNaN(expiration.getTime())) {
    // The value is not quoted: a misplaced variable may hold a secret.
    throw new Error(`${names.expiration} is not an ISO 8601 date; check that it names the expiry and not a key or token`);
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), ...(expiration ? { expiration } : {}) };
}

/**
 * Reads credentials from a JSON file in the `credential_process` format (`Version` 1,
 * `AccessKeyId`, `SecretAccessKey`, optional `SessionToken` and `Expiration`), again at each
 * refresh, so a process that rewrites the file rotates the keys.
 */
export function jsonFileSource(file: string): CredentialSource {
  return {
    kind: 'static',
    refreshable: true,
    resolve: async () => parseCredentialsJson(file, await readFile(file, 'utf8')),
  };
}

/**
 * Parses a `credential_process` document. Error messages name fields, never values, because
 * the text contains a secret.
 */
export function parseCredentialsJson(file: string, text: string): StorageCredentials {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // JSON.parse quotes part of the text in its message, which may be the secret.
    throw new Error(`${file} is not valid JSON`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new Error(`${file} must hold a JSON object`);
  const fields = document as Record<string, unknown>;
  if (fields.Version !== undefined && fields.Version !== 1) throw new Error(`${file}: field "Version" must be 1`);
  for (const name of ['AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']) {
    if (fields[name] !== undefined && typeof fields[name] !== 'string') throw new Error(`${file}: field "${name}" must be a string`);
  }
  const expiration = fields.Expiration === undefined ? undefined : new Date(fields.Expiration as string);
  if (expiration !== undefined && Number.isNaN(expiration.getTime())) throw new Error(`${file}: field "Expiration" is not an ISO 8601 date`);
  return toStorageCredentials(
    {
      accessKeyId: fields.AccessKeyId as string | undefined,
      secretAccessKey: fields.SecretAccessKey as string | undefined,
      sessionToken: fields.SessionToken as string | undefined,
      expiration,
    },
    file,
  );
}

/**
 * Reads a profile of an AWS shared credentials (INI) file with the AWS SDK's `fromIni`,
 * again at each refresh. The file is also taken as the config file, so that no other
 * profile file (~/.aws/config) mixes in.
 */
export function iniFileSource(file: string, profile = 'default'): CredentialSource {
  return {
    kind: 'static',
    refreshable: true,
    async resolve() {
      const origin = `profile "${profile}" of ${file}`;
      const provider = fromIni({ filepath: file, configFilepath: file, profile, ignoreCache: true });
      let identity: Awaited<ReturnType<typeof provider>>;
      try {
        identity = await provider();
      } catch (error) {
        // The SDK's message names the profile, not the file.
        throw new Error(`${origin}: ${(error as Error).message}`, { cause: error });
      }
      return toStorageCredentials(identity, origin);
    },
  };
}
