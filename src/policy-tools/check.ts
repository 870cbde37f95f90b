import { PUBLIC_GROUP, USER_MACRO, hasWildcard, type CompiledItem, type CompiledPolicy, type PolicySet } from '../policy/index.js';

/** A finding of `openraz policy check` that does not stop the set from loading. */
export interface PolicyWarning {
  source: string;
  pointer: string;
  message: string;
}

/**
 * Lists what in a valid policy set is likely a mistake: allow items that a deny always
 * overrides, grants of everything to everyone, wildcards that also match `/`, items that
 * name no principal, and groups missing from `knownGroups` when it is given.
 */
export function checkPolicySet(set: PolicySet, knownGroups?: ReadonlySet<string>): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  for (const policy of set.policies) {
    warnings.push(...checkWildcards(policy, set.matcher.pathSeparatorChar));
    warnings.push(...checkItems(policy, knownGroups));
    warnings.push(...checkShadowing(policy, set.policies));
  }
  return warnings;
}

function checkWildcards(policy: CompiledPolicy, separator: string): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  policy.resources.forEach((set, setIndex) => {
    set.path.values.forEach((value, index) => {
      if (value === '*' || !hasWildcard(value)) return;
      const base = setIndex === 0 ? '/resources' : `/additionalResources/${setIndex - 1}`;
      warnings.push({
        source: policy.source,
        pointer: `${policy.pointer}${base}/path/values/${index}`,
        message: `"${value}": as in Ranger, "*" and "?" also match "${separator}", so this matches keys in every folder below, not only one level`,
      });
    });
  });
  return warnings;
}

function checkItems(policy: CompiledPolicy, knownGroups: ReadonlySet<string> | undefined): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  const lists = { policyItems: policy.allowItems, denyPolicyItems: policy.denyItems, allowExceptions: policy.allowExceptions, denyExceptions: policy.denyExceptions };
  for (const [list, items] of Object.entries(lists)) {
    for (const item of items) {
      const pointer = `${policy.pointer}/${list}/${item.index}`;
      if (!item.everyone && item.users.size === 0 && item.groups.size === 0 && item.roles.size === 0) {
        warnings.push({ source: policy.source, pointer, message: 'the item names no user, group or role, so it never applies' });
      }
      if (item.accessTypes.size === 0) {
        warnings.push({ source: policy.source, pointer, message: 'the item grants no access type (every access has "isAllowed": false)' });
      }
      if (knownGroups !== undefined) {
        for (const group of item.groups) {
          if (group !== PUBLIC_GROUP && !knownGroups.has(group)) {
            warnings.push({ source: policy.source, pointer, message: `group "${group}" is not in the known groups` });
          }
        }
      }
      if (list === 'policyItems' && item.everyone && coversEverything(policy)) {
        warnings.push({
          source: policy.source,
          pointer,
          message: `allows ${[...item.accessTypes].join(', ')} on every key of ${describeBuckets(policy)} to every user (${item.users.has(USER_MACRO) ? USER_MACRO : `group ${PUBLIC_GROUP}`})`,
        });
      }
    }
  }
  return warnings;
}

/** Warns about allow items that a deny item, in this policy or another, always overrides. */
function checkShadowing(policy: CompiledPolicy, all: readonly CompiledPolicy[]): PolicyWarning[] {
  const warnings: PolicyWarning[] = [];
  const denies = all.filter(
    (other) =>
      other.priority >= policy.priority &&
      other.validity === undefined &&
      other.conditions.length === 0 &&
      other.denyExceptions.length === 0 &&
      (other === policy || sameResources(other, policy)),
  );
  for (const item of policy.allowItems) {
    if (item.conditions.length > 0) continue;
    for (const other of denies) {
      const deny = other.denyItems.find((candidate) => candidate.conditions.length === 0 && covers(candidate, item));
      if (deny !== undefined) {
        warnings.push({
          source: policy.source,
          pointer: `${policy.pointer}/policyItems/${item.index}`,
          message: `never applies: deny item ${deny.index} of policy ${other.id} "${other.name}" denies the same principals and access types on the same resources`,
        });
        break;
      }
    }
  }
  return warnings;
}

function covers(deny: CompiledItem, allow: CompiledItem): boolean {
  for (const type of allow.accessTypes) if (!deny.accessTypes.has(type)) return false;
  if (deny.everyone) return true;
  if (allow.everyone) return false;
  return isSubset(allow.users, deny.users) && isSubset(allow.groups, deny.groups) && isSubset(allow.roles, deny.roles);
}

function isSubset(part: ReadonlySet<string>, whole: ReadonlySet<string>): boolean {
  for (const value of part) if (!whole.has(value)) return false;
  return true;
}

function sameResources(a: CompiledPolicy, b: CompiledPolicy): boolean {
  const key = (policy: CompiledPolicy): string =>
    JSON.stringify(policy.resources.map((set) => [set.bucket.values, set.bucket.excludes, set.path.values, set.path.excludes, set.path.recursive]));
  return key(a) === key(b);
}

function coversEverything(policy: CompiledPolicy): boolean {
  return policy.resources.some((set) => !set.path.excludes && set.path.values.includes('*'));
}

function describeBuckets(policy: CompiledPolicy): string {
  const buckets = [...new Set(policy.resources.flatMap((set) => set.bucket.values))];
  return buckets.includes('*') ? 'every bucket' : `bucket ${buckets.join(', ')}`;
}
