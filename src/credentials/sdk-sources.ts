import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { R2_REGION } from '../s3/index.js';
import { toStorageCredentials, type CredentialSource } from './source.js';

/** Session name sent to STS AssumeRole when the configuration gives none. */
export const DEFAULT_ROLE_SESSION_NAME = 'openraz';

/** Role session lifetime in seconds when the configuration gives none; STS's own default too. */
export const DEFAULT_ROLE_DURATION_SECONDS = 3600;

/** Time limits for one STS call, in milliseconds, so a hung endpoint cannot stall startup or a refresh forever. */
const STS_CONNECTION_TIMEOUT_MS = 5_000;
const STS_REQUEST_TIMEOUT_MS = 10_000;

/** One STS request per fetch: the refresher retries with its own backoff, so SDK retries would only delay startup. */
const STS_MAX_ATTEMPTS = 1;

/**
 * Resolves credentials with the AWS SDK's default chain: environment variables, SSO, shared
 * credentials and config files, `credential_process`, web identity (IRSA), then ECS and EC2
 * instance metadata.
 * Each resolve runs the chain again (`forceRefresh`), so a refresh never gets the
 * SDK's cached copy.
 */
export function defaultChainSource(profile?: string): CredentialSource {
  const provider = fromNodeProviderChain(profile === undefined ? {} : { profile });
  return {
    kind: 'default-chain',
    refreshable: true,
    resolve: async () => toStorageCredentials(await provider({ forceRefresh: true }), 'the AWS default credential chain'),
  };
}

export interface AssumeRoleOptions {
  roleArn: string;
  roleSessionName?: string;
  externalId?: string;
  durationSeconds?: number;
  stsEndpoint?: string;
  /** The region STS requests are signed for. */
  stsRegion: string;
  /** Credentials that call STS; the AWS SDK default chain when absent. */
  sourceCredentials?: CredentialSource;
}

/** Temporary credentials from STS AssumeRole, asked for anew at each refresh. */
export function assumeRoleSource(options: AssumeRoleOptions): CredentialSource {
  const { sourceCredentials } = options;
  const provider = fromTemporaryCredentials({
    params: {
      RoleArn: options.roleArn,
      RoleSessionName: options.roleSessionName ?? DEFAULT_ROLE_SESSION_NAME,
      DurationSeconds: options.durationSeconds ?? DEFAULT_ROLE_DURATION_SECONDS,
      ...(options.externalId === undefined ? {} : { ExternalId: options.externalId }),
    },
    masterCredentials: sourceCredentials === undefined ? fromNodeProviderChain() : () => sourceCredentials.resolve(),
    clientConfig: {
      region: options.stsRegion,
      maxAttempts: STS_MAX_ATTEMPTS,
      ...(options.stsEndpoint === undefined ? {} : { endpoint: options.stsEndpoint }),
      requestHandler: { connectionTimeout: STS_CONNECTION_TIMEOUT_MS, requestTimeout: STS_REQUEST_TIMEOUT_MS },
    },
  });
  return {
    kind: 'assume-role',
    refreshable: true,
    resolve: async () => toStorageCredentials(await provider(), `STS AssumeRole for ${options.roleArn}`),
  };
}

/** Returns the region to sign STS calls for: the configured one, else the target's, except R2's `auto`, which STS does not know. */
export function stsRegionFor(configured: string | undefined, targetRegion: string): string {
  if (configured !== undefined) return configured;
  return targetRegion === R2_REGION ? 'us-east-1' : targetRegion;
}
