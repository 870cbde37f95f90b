import type { CredentialSourceName } from '../config/index.js';
import type { StorageCredentials } from '../s3/index.js';

/** The source of one storage target's credentials. */
export interface CredentialSource {
  readonly kind: CredentialSourceName;
  /**
   * Whether asking again can return other credentials. False for environment variables,
   * which cannot change while the process runs, so a failure there is not retried.
   */
  readonly refreshable: boolean;
  /**
   * Fetches the credentials. It may read files or call STS or a metadata service, so it
   * runs only at startup and in the background, never for a request.
   *
   * @throws Error whose message names what is missing or failed and contains no secret.
   */
  resolve(): Promise<StorageCredentials>;
}

/** Builds StorageCredentials from an AWS SDK identity, checking that the keys are there. */
export function toStorageCredentials(
  identity: { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string; expiration?: Date },
  origin: string,
): StorageCredentials {
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = identity;
  if (!accessKeyId || !secretAccessKey) throw new Error(`${origin} returned no access key id or no secret access key`);
  if (expiration !== undefined && Number.isNaN(expiration.getTime())) throw new Error(`${origin} returned an invalid expiry`);
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}), ...(expiration === undefined ? {} : { expiration }) };
}
