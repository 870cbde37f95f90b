import type { CompiledCondition, RequestContext, UploadRequirement } from './conditions.js';
import type { ResourceMatcher } from './resource-matcher.js';

/** The access types of the S3 service definition, as Ranger names them. */
export const ACCESS_TYPES = ['read', 'write', 'delete', 'list'] as const;
export type AccessType = (typeof ACCESS_TYPES)[number];

/** Ranger's policy priorities: an override policy outranks every normal one. */
export const PRIORITY_NORMAL = 0;
export const PRIORITY_OVERRIDE = 1;

/** A policy item after loading: its principals and granted access types, ready to match. */
export interface CompiledItem {
  /** Position of the item in its list, for explanations. */
  index: number;
  accessTypes: ReadonlySet<AccessType>;
  users: ReadonlySet<string>;
  groups: ReadonlySet<string>;
  roles: ReadonlySet<string>;
  /** True when the item names the group `public` or the user `{USER}`: every user. */
  everyone: boolean;
  /** Conditions that must all hold for the item to apply. */
  conditions: readonly CompiledCondition[];
}

/** One resource map of a policy: its `resources`, or one entry of `additionalResources`. */
export interface ResourceSet {
  bucket: ResourceMatcher;
  path: ResourceMatcher;
}

/** Decides whether a policy's validity schedules allow it at an instant. */
export interface ValidityPredicate {
  isActive(now: Date): boolean;
}

/** A policy after loading: validated, defaulted and compiled. */
export interface CompiledPolicy {
  id: string;
  name: string;
  /** `policy <id> "<name>"`, for decision reasons. */
  label: string;
  priority: number;
  /** Position in the loaded set, the tie-breaker after priority. */
  ordinal: number;
  isDenyAllElse: boolean;
  /** The file the policy was loaded from and its JSON pointer there. */
  source: string;
  pointer: string;
  /** The policy matches a request when any of these resource sets matches. */
  resources: readonly ResourceSet[];
  /** Policy-level conditions that must all hold for the policy to apply. */
  conditions: readonly CompiledCondition[];
  /** Absent when the policy has no validity schedules. */
  validity?: ValidityPredicate;
  allowItems: readonly CompiledItem[];
  denyItems: readonly CompiledItem[];
  allowExceptions: readonly CompiledItem[];
  denyExceptions: readonly CompiledItem[];
}

/** The caller: the verified token's user and groups, and any roles given with the request. */
export interface Principal {
  user: string;
  groups: readonly string[];
  /** Roles named in the request itself (policy tests); roles from the roles file are added. */
  roles?: readonly string[];
}

/** The bucket name that stands for every bucket, for ListBuckets; S3 bucket names cannot contain `*`. */
export const EVERY_BUCKET_NAME = '*';

/**
 * The resource asked for. An object request names one key. A list request names a prefix, and it is
 * allowed only when every key that starts with the prefix would be allowed.
 */
export type ResourceRequest =
  | { kind: 'object'; bucket: string; key: string }
  | { kind: 'prefix'; bucket: string; prefix: string };

export interface AccessRequest {
  principal: Principal;
  accessType: AccessType;
  resource: ResourceRequest;
  /** Attributes for conditions and schedules; a missing one never helps the request. */
  context?: RequestContext;
}

/** The part of a policy that decided. */
export type DecidingRule = 'allow-item' | 'deny-item' | 'deny-all-else' | 'no-matching-policy' | 'revoked';

export interface Decision {
  allowed: boolean;
  rule: DecidingRule;
  /** The deciding policy, absent when no policy matched (the default deny). */
  policyId?: string;
  policyName?: string;
  /** Index of the deciding item inside its list. */
  itemIndex?: number;
  /** A sentence for the audit log and `explain`; callers of the sign API do not see it. */
  reason: string;
  /** For an allowed upload: what it must obey, from the granting conditions, to be signed in. */
  requirements?: UploadRequirement[];
}
