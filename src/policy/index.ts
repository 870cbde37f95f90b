export { loadPolicyDirectory, compilePolicyFiles, POLICY_SCHEMA_FILE, type PolicyFile, type PolicyLoadOptions } from './load.js';
export { PUBLIC_GROUP } from './compile-policy.js';
export { ROLES_FILE } from './roles-file.js';
export { PolicySet, DEFAULT_MATCHER_OPTIONS, type Explanation, type MatcherOptions, type PolicySetInfo } from './policy-set.js';
export type { PolicyTrace, ItemTrace } from './evaluate.js';
export { ResourceMatcher } from './resource-matcher.js';
export { Glob, USER_MACRO, hasWildcard, literalPrefix } from './glob.js';
export { CONDITION_COMPILERS } from './condition-types.js';
export { POLICY_FILE_SCHEMA, ROLES_FILE_SCHEMA } from './schema.js';
export type { RequestContext, ConditionResult, UploadChannel, UploadRequirement } from './conditions.js';
export {
  ACCESS_TYPES,
  EVERY_BUCKET_NAME,
  type AccessType,
  type AccessRequest,
  type CompiledPolicy,
  type CompiledItem,
  type Decision,
  type DecidingRule,
  type Principal,
  type ResourceRequest,
} from './types.js';
