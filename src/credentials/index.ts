export { systemClock, type RefreshClock } from './clock.js';
export { createCredentialSource } from './create-source.js';
export { CredentialRefresher, DEFAULT_RETRY_POLICY, type RefreshEvent, type RefresherOptions, type RetryPolicy } from './refresher.js';
export {
  DEFAULT_ROLE_DURATION_SECONDS,
  DEFAULT_ROLE_SESSION_NAME,
  assumeRoleSource,
  defaultChainSource,
  type AssumeRoleOptions,
} from './sdk-sources.js';
export { toStorageCredentials, type CredentialSource } from './source.js';
export {
  STANDARD_ENVIRONMENT_VARIABLES,
  environmentSource,
  iniFileSource,
  jsonFileSource,
  parseCredentialsJson,
  readCredentialsFromEnvironment,
  type EnvironmentVariableNames,
} from './static-sources.js';
