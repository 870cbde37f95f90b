import { evaluateAll, firstFailing, type CompiledCondition, type ConditionResult, type RequestContext, type UploadRequirement } from './conditions.js';
import type { ResourceMatcher } from './resource-matcher.js';
import { EVERY_BUCKET_NAME, type AccessRequest, type CompiledItem, type CompiledPolicy, type Decision } from './types.js';

/**
 * The part an item or check plays, which sets how its conditions must turn out to count. Parts that grant (allow
 * items, deny exceptions, a policy's allow side) need every condition true. Parts that
 * restrict (deny items, allow exceptions, deny-all-else) also count when a condition is
 * unknown because the request lacks its attribute: a missing attribute never lifts a
 * restriction. Ranger instead treats a missing attribute as a pass.
 */
type Role = 'grants' | 'restricts';

/** A request with the caller's roles resolved, as the evaluator uses it. */
export interface ResolvedRequest extends AccessRequest {
  roles: ReadonlySet<string>;
}

/** The evaluation of one candidate policy, for `explain`. */
export interface PolicyTrace {
  policyId: string;
  policyName: string;
  priority: number;
  /** Whether the policy's resources cover the request for allowing and touch it for denying. */
  resource: { allowApplies: boolean; denyApplies: boolean };
  validity?: ConditionResult;
  conditions?: ConditionResult;
  /** Items whose principal and access type matched, with their conditions' result. */
  items: ItemTrace[];
  outcome: 'allow' | 'deny' | 'no opinion';
  rule?: Decision['rule'];
  note?: string;
  /** A path value whose `*` or `?` matched across `/` for this request, as Ranger's wildcards do. */
  wildcardAcrossSeparator?: string;
}

export interface ItemTrace {
  list: 'policyItems' | 'denyPolicyItems' | 'allowExceptions' | 'denyExceptions';
  index: number;
  conditions: ConditionResult;
  /** The first condition that is not true. */
  failingCondition?: { type: string; values: readonly string[]; result: ConditionResult };
  counted: boolean;
}

type PolicyOutcome = Pick<Decision, 'allowed' | 'rule' | 'itemIndex' | 'requirements'>;

/**
 * Decides one request against candidate policies sorted by priority, highest first.
 *
 * This is Ranger's merge: the highest priority that reaches a result decides, and within
 * that priority a deny beats an allow. When no policy reaches a result the request is denied.
 * The function is pure: no I/O, no clock, no logging. With `trace`, every candidate's
 * evaluation is recorded there.
 */
export function decide(candidates: readonly CompiledPolicy[], request: ResolvedRequest, trace?: PolicyTrace[]): Decision {
  let allowAtPriority: { policy: CompiledPolicy; outcome: PolicyOutcome } | undefined;

  for (const policy of candidates) {
    if (allowAtPriority !== undefined && policy.priority < allowAtPriority.policy.priority) break;

    const outcome = evaluatePolicy(policy, request, trace);
    if (outcome === undefined) continue;
    if (!outcome.allowed) return toDecision(policy, outcome, request);
    allowAtPriority ??= { policy, outcome };
  }

  if (allowAtPriority !== undefined) {
    return toDecision(allowAtPriority.policy, allowAtPriority.outcome, request);
  }
  return {
    allowed: false,
    rule: 'no-matching-policy',
    reason: `no policy allows ${request.accessType} on ${describeResource(request)}`,
  };
}

/**
 * Evaluates one policy the way a Ranger policy evaluator does: deny items first (unless a
 * deny exception cancels), then allow items (unless an allow exception cancels), then
 * deny-all-else. Exceptions only cancel; they never grant or deny by themselves.
 *
 * For a list request the policy's allow side applies only when its paths cover every key
 * under the prefix, and its deny side applies when its paths match any key under it.
 */
function evaluatePolicy(policy: CompiledPolicy, request: ResolvedRequest, trace: PolicyTrace[] | undefined): PolicyOutcome | undefined {
  let { allowApplies, denyApplies } = matchResources(policy, request);
  if (!denyApplies) return undefined;

  const context = request.context ?? {};
  const record: PolicyTrace | undefined =
    trace === undefined
      ? undefined
      : { policyId: policy.id, policyName: policy.name, priority: policy.priority, resource: { allowApplies, denyApplies }, items: [], outcome: 'no opinion' };
  trace?.push(record!);

  // Validity schedules and policy-level conditions follow the same rule as item
  // conditions: the allow side needs them true, the deny side applies unless they are false.
  const validity = evaluateValidity(policy, context);
  const conditions = evaluateAll(policy.conditions, context);
  if (record !== undefined) {
    if (policy.validity !== undefined) record.validity = validity;
    if (policy.conditions.length > 0) record.conditions = conditions;
  }
  if (validity === 'false' || conditions === 'false') return undefined;
  allowApplies &&= validity === 'true' && conditions === 'true';

  const denyItem = findItem(policy.denyItems, request, 'restricts', 'denyPolicyItems', record);
  if (denyItem !== undefined && findItem(policy.denyExceptions, request, 'grants', 'denyExceptions', record) === undefined) {
    return settle(record, { allowed: false, rule: 'deny-item', itemIndex: denyItem.index });
  }

  const allowItem = findItem(policy.allowItems, request, 'grants', 'policyItems', record);
  const allowed = allowItem !== undefined && findItem(policy.allowExceptions, request, 'restricts', 'allowExceptions', record) === undefined;
  if (allowed && allowApplies) {
    const requirements = collectRequirements([...policy.conditions, ...allowItem.conditions], context);
    return settle(record, { allowed: true, rule: 'allow-item', itemIndex: allowItem.index, ...(requirements.length === 0 ? {} : { requirements }) });
  }
  if (!allowed && policy.isDenyAllElse) {
    return settle(record, { allowed: false, rule: 'deny-all-else' });
  }
  if (record !== undefined && allowed && !allowApplies) {
    record.note = 'an allow item matches, but the policy does not cover every key under the prefix, or a schedule or condition is not met';
  }
  return undefined;
}

/** Collects the upload requirements of the conditions that granted, for the signer to enforce. */
function collectRequirements(conditions: readonly CompiledCondition[], context: RequestContext): UploadRequirement[] {
  const requirements: UploadRequirement[] = [];
  for (const condition of conditions) {
    const requirement = condition.requirement?.(context);
    if (requirement !== undefined) requirements.push(requirement);
  }
  return requirements;
}

function evaluateValidity(policy: CompiledPolicy, context: RequestContext): ConditionResult {
  if (policy.validity === undefined) return 'true';
  if (context.time === undefined) return 'unknown';
  return policy.validity.isActive(context.time) ? 'true' : 'false';
}

function matchResources(policy: CompiledPolicy, request: ResolvedRequest): { allowApplies: boolean; denyApplies: boolean } {
  const { resource, principal } = request;
  let allowApplies = false;
  let denyApplies = false;
  for (const set of policy.resources) {
    if (!matchesBucket(set.bucket, resource.bucket, principal.user)) continue;
    if (resource.kind === 'object') {
      if (set.path.matches(resource.key, principal.user)) return { allowApplies: true, denyApplies: true };
      continue;
    }
    if (set.path.coversPrefix(resource.prefix, principal.user)) return { allowApplies: true, denyApplies: true };
    denyApplies ||= set.path.touchesPrefix(resource.prefix, principal.user);
  }
  return { allowApplies, denyApplies };
}

/**
 * Matches the bucket resource. The bucket `*`, which no bucket name can be, stands for every
 * bucket, as ListBuckets needs. Only a value of `*` that is not an excludes list covers it,
 * because any other pattern, or an excludes list, leaves out some buckets.
 */
function matchesBucket(matcher: ResourceMatcher, bucket: string, user: string): boolean {
  if (bucket !== EVERY_BUCKET_NAME) return matcher.matches(bucket, user);
  return !matcher.excludes && matcher.values.some((value) => /^\*+$/.test(value));
}

function findItem(
  items: readonly CompiledItem[],
  request: ResolvedRequest,
  role: Role,
  list: ItemTrace['list'],
  record: PolicyTrace | undefined,
): CompiledItem | undefined {
  const { user, groups } = request.principal;
  const context: RequestContext = request.context ?? {};
  for (const item of items) {
    if (!item.accessTypes.has(request.accessType)) continue;
    if (!(item.everyone || item.users.has(user) || groups.some((group) => item.groups.has(group)) || hasAny(item.roles, request.roles))) continue;

    const conditions = evaluateAll(item.conditions, context);
    const counted = conditions === 'true' || (conditions === 'unknown' && role === 'restricts');
    if (record !== undefined) {
      const failing = firstFailing(item.conditions, context);
      record.items.push({
        list,
        index: item.index,
        conditions,
        counted,
        ...(failing === undefined ? {} : { failingCondition: { type: failing.condition.type, values: failing.condition.values, result: failing.result } }),
      });
    }
    if (counted) return item;
  }
  return undefined;
}

function hasAny(wanted: ReadonlySet<string>, present: ReadonlySet<string>): boolean {
  if (wanted.size === 0 || present.size === 0) return false;
  for (const name of present) if (wanted.has(name)) return true;
  return false;
}

function settle(record: PolicyTrace | undefined, outcome: PolicyOutcome): PolicyOutcome {
  if (record !== undefined) {
    record.outcome = outcome.allowed ? 'allow' : 'deny';
    record.rule = outcome.rule;
  }
  return outcome;
}

function toDecision(policy: CompiledPolicy, outcome: PolicyOutcome, request: AccessRequest): Decision {
  const where = policy.label;
  let reason: string;
  switch (outcome.rule) {
    case 'allow-item':
      reason = `allowed by ${where}, allow item ${outcome.itemIndex}`;
      break;
    case 'deny-item':
      reason = `denied by ${where}, deny item ${outcome.itemIndex}`;
      break;
    default:
      reason = `denied by ${where}: deny-all-else, and no allow item grants ${request.accessType}`;
  }
  return { ...outcome, policyId: policy.id, policyName: policy.name, reason };
}

function describeResource(request: AccessRequest): string {
  const { resource } = request;
  if (resource.kind === 'object') return `s3://${resource.bucket}/${resource.key}`;
  return `every key under s3://${resource.bucket}/${resource.prefix}`;
}
