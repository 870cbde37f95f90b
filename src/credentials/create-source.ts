import { fileFormatOf, type CredentialsConfig, type SourceCredentialsConfig } from '../config/index.js';
import { assumeRoleSource, defaultChainSource, stsRegionFor } from './sdk-sources.js';
import type { CredentialSource } from './source.js';
import { STANDARD_ENVIRONMENT_VARIABLES, environmentSource, iniFileSource, jsonFileSource } from './static-sources.js';

/**
 * Builds the credential source a target's configuration describes. The configuration has
 * been validated, so each source has the fields it needs.
 *
 * @param targetRegion the target's region, which STS calls use unless `stsRegion` is set.
 */
export function createCredentialSource(
  config: CredentialsConfig | SourceCredentialsConfig,
  targetRegion: string,
  env: NodeJS.ProcessEnv = process.env,
): CredentialSource {
  switch (config.source) {
    case 'static':
      return staticSource(config, env);
    case 'default-chain':
      return defaultChainSource(config.profile);
    case 'assume-role': {
      const role = config as CredentialsConfig;
      if (role.roleArn === undefined) throw new TypeError('source "assume-role" needs roleArn');
      return assumeRoleSource({
        roleArn: role.roleArn,
        stsRegion: stsRegionFor(role.stsRegion, targetRegion),
        ...(role.roleSessionName === undefined ? {} : { roleSessionName: role.roleSessionName }),
        ...(role.externalId === undefined ? {} : { externalId: role.externalId }),
        ...(role.durationSeconds === undefined ? {} : { durationSeconds: role.durationSeconds }),
        ...(role.stsEndpoint === undefined ? {} : { stsEndpoint: role.stsEndpoint }),
        ...(role.sourceCredentials === undefined ? {} : { sourceCredentials: createCredentialSource(role.sourceCredentials, targetRegion, env) }),
      });
    }
  }
}

function staticSource(config: CredentialsConfig | SourceCredentialsConfig, env: NodeJS.ProcessEnv): CredentialSource {
  if (config.file !== undefined) {
    return fileFormatOf(config) === 'json' ? jsonFileSource(config.file) : iniFileSource(config.file, config.profile);
  }
  if (config.accessKeyIdEnv === undefined || config.secretAccessKeyEnv === undefined) return environmentSource(STANDARD_ENVIRONMENT_VARIABLES, env);
  return environmentSource(
    {
      accessKeyId: config.accessKeyIdEnv,
      secretAccessKey: config.secretAccessKeyEnv,
      ...(config.sessionTokenEnv === undefined ? {} : { sessionToken: config.sessionTokenEnv }),
      ...(config.expirationEnv === undefined ? {} : { expiration: config.expirationEnv }),
    },
    env,
  );
}
