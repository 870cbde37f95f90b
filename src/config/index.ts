export { loadConfig, validateConfigDocument } from './load.js';
export { CONFIG_SCHEMA, MAX_CLOCK_TOLERANCE_SECONDS, SUPPORTED_ALGORITHMS, type Config } from './schema.js';
export { ENVIRONMENT_OVERRIDES, applyEnvironmentOverrides } from './env.js';
