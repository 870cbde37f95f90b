import { compileCondition, type CompiledCondition, type ConditionCompiler } from './conditions.js';
import { USER_MACRO } from './glob.js';
import type { MatcherOptions } from './policy-set.js';
import { ResourceMatcher } from './resource-matcher.js';
import { PRIORITY_NORMAL, type AccessType, type CompiledItem, type CompiledPolicy, type ResourceSet, type ValidityPredicate } from './types.js';

/** A problem inside one policy; the pointer is relative to the policy. */
export interface PolicyProblem {
  pointer: string;
  message: string;
}

export interface RawResource {
  values: string[];
  isExcludes: boolean;
  isRecursive: boolean;
}

interface RawResourceMap {
  bucket: RawResource;
  path: RawResource;
}

interface RawCondition {
  type: string;
  values: string[];
}

interface RawItem {
  accesses: { type: AccessType; isAllowed: boolean }[];
  users?: string[];
  groups?: string[];
  roles?: string[];
  conditions?: RawCondition[];
}

/** A policy as the schema has validated and defaulted it. */
export interface RawPolicy {
  id: number | string;
  name: string;
  isEnabled: boolean;
  policyPriority: number;
  isDenyAllElse: boolean;
  resources: RawResourceMap;
  additionalResources?: RawResourceMap[];
  policyItems?: RawItem[];
  denyPolicyItems?: RawItem[];
  allowExceptions?: RawItem[];
  denyExceptions?: RawItem[];
  conditions?: RawCondition[];
  validitySchedules?: unknown[];
  dataMaskPolicyItems?: unknown[];
  rowFilterPolicyItems?: unknown[];
  zoneName?: string;
  policyType?: number;
  options?: Record<string, unknown>;
}

/** The inputs of policy compilation besides the policy itself. */
export interface CompileContext {
  matcher: MatcherOptions;
  conditionCompilers: ReadonlyMap<string, ConditionCompiler>;
  roleNames: ReadonlySet<string>;
  /** Compiles validity schedules, or returns their problems with pointers relative to the array. */
  compileSchedules(raw: unknown[]): { predicate?: ValidityPredicate; problems: PolicyProblem[] };
}

const ITEM_LISTS = ['policyItems', 'denyPolicyItems', 'allowExceptions', 'denyExceptions'] as const;

/** The group that every user belongs to, in Ranger. */
export const PUBLIC_GROUP = 'public';

/** Ranger's owner macro; object storage has no owner attribute, so openraz rejects it. */
const OWNER_MACRO = '{OWNER}';

/**
 * Checks and compiles one policy. Fields that name a Ranger feature openraz does not
 * implement are problems: ignoring any of them could grant more, or deny less, than the
 * policy states.
 */
export function compilePolicy(
  raw: RawPolicy,
  context: CompileContext,
  location: { source: string; pointer: string; ordinal: number },
): { policy?: CompiledPolicy; problems: PolicyProblem[] } {
  const problems: PolicyProblem[] = [...checkUnsupported(raw)];

  const resourceMaps = [raw.resources, ...(raw.additionalResources ?? [])];
  resourceMaps.forEach((map, index) => {
    const base = index === 0 ? '/resources' : `/additionalResources/${index - 1}`;
    problems.push(...checkResourceMap(map, base));
  });

  const conditions = compileConditions(raw.conditions, '', context, problems);
  const items = Object.fromEntries(
    ITEM_LISTS.map((list) => [list, (raw[list] ?? []).map((item, index) => compileItem(item, `/${list}/${index}`, index, context, problems))]),
  ) as Record<(typeof ITEM_LISTS)[number], CompiledItem[]>;

  let validity: ValidityPredicate | undefined;
  if ((raw.validitySchedules?.length ?? 0) > 0) {
    const compiled = context.compileSchedules(raw.validitySchedules!);
    problems.push(...compiled.problems.map((problem) => ({ ...problem, pointer: `/validitySchedules${problem.pointer}` })));
    validity = compiled.predicate;
  }

  if (problems.length > 0) return { problems };
  return {
    problems,
    policy: {
      id: String(raw.id),
      name: raw.name,
      label: `policy ${raw.id} "${raw.name}"`,
      priority: raw.policyPriority ?? PRIORITY_NORMAL,
      ordinal: location.ordinal,
      isDenyAllElse: raw.isDenyAllElse,
      source: location.source,
      pointer: location.pointer,
      resources: resourceMaps.map((map) => compileResourceMap(map, context.matcher)),
      conditions,
      ...(validity === undefined ? {} : { validity }),
      allowItems: items.policyItems,
      denyItems: items.denyPolicyItems,
      allowExceptions: items.allowExceptions,
      denyExceptions: items.denyExceptions,
    },
  };
}

function checkUnsupported(raw: RawPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (raw.policyType !== undefined && raw.policyType !== 0) {
    problems.push({ pointer: '/policyType', message: `policyType ${raw.policyType} is not supported; only access policies (0) apply to object storage` });
  }
  if (raw.zoneName) {
    problems.push({ pointer: '/zoneName', message: 'security zones are not supported by openraz; remove "zoneName" or load the zone\'s policies as a set of their own' });
  }
  if (raw.options && Object.keys(raw.options).length > 0) {
    problems.push({ pointer: '/options', message: 'Ranger policy options are not supported by openraz; remove "options"' });
  }
  for (const field of ['dataMaskPolicyItems', 'rowFilterPolicyItems'] as const) {
    if ((raw[field]?.length ?? 0) > 0) {
      problems.push({ pointer: `/${field}`, message: `"${field}" does not apply to object storage; openraz implements access policies only` });
    }
  }
  return problems;
}

function checkResourceMap(map: RawResourceMap, base: string): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const name of ['bucket', 'path'] as const) {
    map[name].values.forEach((value, index) => {
      const pointer = `${base}/${name}/values/${index}`;
      if (!value.isWellFormed()) {
        problems.push({ pointer, message: 'the value is not valid Unicode (it has an unpaired surrogate); no S3 key can match it' });
      }
      if (value.includes(OWNER_MACRO)) {
        problems.push({ pointer, message: `the macro ${OWNER_MACRO} has no meaning for object storage (objects have no owner attribute); remove it` });
      }
      if (name === 'bucket' && value.includes(USER_MACRO)) {
        problems.push({ pointer, message: `the macro ${USER_MACRO} is supported in path values only` });
      }
      if (name === 'path' && value.startsWith('/')) {
        const fixed = value.replace(/^\/+/, '');
        const hint = fixed === '' ? 'for the whole bucket write "*"' : `write "${fixed}"`;
        problems.push({ pointer, message: `path "${value}" starts with "/"; S3 keys are written without a leading slash (${hint})` });
      }
    });
  }
  return problems;
}

function compileResourceMap(map: RawResourceMap, matcher: MatcherOptions): ResourceSet {
  const common = { ignoreCase: matcher.ignoreCase, separator: matcher.pathSeparatorChar, wildCard: matcher.wildCard };
  return {
    // Bucket names are compared case-sensitively: S3 bucket names are lower case.
    bucket: new ResourceMatcher(map.bucket.values, { ...common, ignoreCase: false, recursive: false, excludes: map.bucket.isExcludes }),
    path: new ResourceMatcher(map.path.values, { ...common, recursive: map.path.isRecursive, excludes: map.path.isExcludes }),
  };
}

function compileItem(item: RawItem, pointer: string, index: number, context: CompileContext, problems: PolicyProblem[]): CompiledItem {
  item.roles?.forEach((role, roleIndex) => {
    if (!context.roleNames.has(role)) {
      problems.push({ pointer: `${pointer}/roles/${roleIndex}`, message: `role "${role}" is not defined in roles.json` });
    }
  });
  item.users?.forEach((user, userIndex) => {
    if (user === OWNER_MACRO) {
      problems.push({ pointer: `${pointer}/users/${userIndex}`, message: `the macro ${OWNER_MACRO} has no meaning for object storage; remove it` });
    }
  });

  const users = item.users ?? [];
  const groups = item.groups ?? [];
  return {
    index,
    accessTypes: new Set(item.accesses.filter((access) => access.isAllowed).map((access) => access.type)),
    users: new Set(users),
    groups: new Set(groups),
    roles: new Set(item.roles ?? []),
    everyone: groups.includes(PUBLIC_GROUP) || users.includes(USER_MACRO),
    conditions: compileConditions(item.conditions, pointer, context, problems),
  };
}

function compileConditions(
  conditions: readonly RawCondition[] | undefined,
  owner: string,
  context: CompileContext,
  problems: PolicyProblem[],
): CompiledCondition[] {
  const compiled: CompiledCondition[] = [];
  conditions?.forEach((condition, index) => {
    const result = compileCondition(context.conditionCompilers, condition.type, condition.values);
    if (typeof result === 'string') problems.push({ pointer: `${owner}/conditions/${index}`, message: result });
    else compiled.push(result);
  });
  return compiled;
}
