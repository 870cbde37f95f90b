export { loadPolicyDirectory, compilePolicyFiles, POLICY_SCHEMA_FILE, PUBLIC_GROUP, type PolicyFile } from './load.js';
export { PolicySet, type PolicySetInfo } from './policy-set.js';
export { ResourceMatcher } from './resource-matcher.js';
export { Glob } from './glob.js';
export {
  ACCESS_TYPES,
  type AccessType,
  type AccessRequest,
  type Decision,
  type DecidingRule,
  type Principal,
  type ResourceRequest,
} from './types.js';
export { CONDITION_TYPES, type RequestContext } from './conditions.js';
export { POLICY_FILE_SCHEMA } from './schema.js';
