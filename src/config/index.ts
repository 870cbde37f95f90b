export { loadConfig, validateConfigDocument } from './load.js';
export { CONFIG_SCHEMA, MAX_CLOCK_TOLERANCE_SECONDS, SUPPORTED_ALGORITHMS, type Config } from './schema.js';
export { ENVIRONMENT_OVERRIDES, applyEnvironmentOverrides } from './env.js';
export {
  CREDENTIAL_SOURCES,
  DEFAULT_REFRESH_BEFORE_EXPIRY_SECONDS,
  type CredentialSourceName,
  type CredentialsConfig,
  type SourceCredentialsConfig,
  type TargetConfig,
} from './storage-schema.js';
export { fileFormatOf } from './storage-rules.js';
