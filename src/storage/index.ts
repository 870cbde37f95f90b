export { CredentialEventLog } from './credential-log.js';
export { SignerRegistry, type SignerRegistryOptions, type TargetStatus } from './registry.js';
export { DEFAULT_TARGET_NAME, targetDefinitions, type TargetDefinition } from './targets.js';
