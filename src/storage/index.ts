export { CredentialEventLog } from './credential-log.js';
export { SignerRegistry, type SignerRegistryOptions, type TargetStatus } from './registry.js';
export { DEFAULT_TARGET_NAME, describeEndpoint, targetDefinitions, type TargetDefinition } from './targets.js';
