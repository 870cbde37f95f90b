import { evaluateAll, type ConditionResult } from './conditions.js';
import type { AccessRequest, CompiledItem, CompiledPolicy, Decision } from './types.js';

/**
 * How an item's conditions must turn out for the item to count. Items that grant (allow
 * items, deny exceptions) need every condition true. Items that restrict (deny items, allow
 * exceptions) also count when a condition is unknown because the request lacks its
 * attribute: a missing attribute must never lift a restriction.
 */
type ItemRole = 'grants' | 'restricts';

type PolicyOutcome = Pick<Decision, 'allowed' | 'rule' | 'itemIndex'>;

/**
 * Decides one request against candidate policies that are sorted by priority, highest first.
 *
 * This is Ranger's merge: the highest priority that reaches a result decides, and within
 * that priority a deny beats an allow. When no policy reaches a result the answer is deny.
 * The function is pure: no I/O, no clock, no logging.
 */
export function decide(candidates: readonly CompiledPolicy[], request: AccessRequest): Decision {
  let allowAtPriority: { policy: CompiledPolicy; outcome: PolicyOutcome } | undefined;

  for (const policy of candidates) {
    if (allowAtPriority !== undefined && policy.priority < allowAtPriority.policy.priority) break;

    const outcome = evaluatePolicy(policy, request);
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
 * For a list request the policy's allow part applies only when its path covers every key
 * under the prefix, and its deny part applies when its path matches any key under it.
 */
function evaluatePolicy(policy: CompiledPolicy, request: AccessRequest): PolicyOutcome | undefined {
  const { resource } = request;
  let allowApplies: boolean;
  let denyApplies: boolean;
  if (resource.kind === 'object') {
    allowApplies = denyApplies = policy.path.matches(resource.key);
  } else {
    allowApplies = policy.path.coversPrefix(resource.prefix);
    denyApplies = allowApplies || policy.path.touchesPrefix(resource.prefix);
  }
  if (!denyApplies) return undefined;

  // The same rule applies to policy-level conditions: the allow part needs them true, the
  // deny part applies unless they are false.
  const policyConditions = evaluateAll(policy.conditions, request.context ?? {});
  if (policyConditions === 'false') return undefined;
  allowApplies &&= policyConditions === 'true';

  const denyItem = findItem(policy.denyItems, request, 'restricts');
  if (denyItem !== undefined && findItem(policy.denyExceptions, request, 'grants') === undefined) {
    return { allowed: false, rule: 'deny-item', itemIndex: denyItem.index };
  }

  const allowItem = findItem(policy.allowItems, request, 'grants');
  const allowed = allowItem !== undefined && findItem(policy.allowExceptions, request, 'restricts') === undefined;
  if (allowed && allowApplies) {
    return { allowed: true, rule: 'allow-item', itemIndex: allowItem.index };
  }
  if (!allowed && policy.isDenyAllElse) {
    return { allowed: false, rule: 'deny-all-else' };
  }
  return undefined;
}

function findItem(items: readonly CompiledItem[], request: AccessRequest, role: ItemRole): CompiledItem | undefined {
  const { user, groups } = request.principal;
  for (const item of items) {
    if (!item.accessTypes.has(request.accessType)) continue;
    if (!(item.everyone || item.users.has(user) || groups.some((group) => item.groups.has(group)))) continue;
    if (conditionsCount(evaluateAll(item.conditions, request.context ?? {}), role)) return item;
  }
  return undefined;
}

function conditionsCount(result: ConditionResult, role: ItemRole): boolean {
  return result === 'true' || (result === 'unknown' && role === 'restricts');
}

function toDecision(policy: CompiledPolicy, outcome: PolicyOutcome, request: AccessRequest): Decision {
  const where = `policy ${policy.id} "${policy.name}"`;
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
