import type { AccessType } from '../types.js';
import { OZONE_CREATE, RANGER_ALL, mapAccessType } from './access-types.js';
import { convertConditions, type ImportedCondition } from './conditions.js';
import type { ConversionLog } from './conversion-log.js';
import { isAbsent, isRecord, isStringArray, unknownKeys } from './json-values.js';
import { OWNER_MACRO } from './macros.js';

/** The item lists of a Ranger access policy, in the order openraz writes them. */
export const ITEM_LISTS = ['policyItems', 'denyPolicyItems', 'allowExceptions', 'denyExceptions'] as const;
export type ItemList = (typeof ITEM_LISTS)[number];

/**
 * Lists whose items widen access: allow items grant, and deny exceptions lift denies. For
 * these, turning `create` into `write` can allow more than Ranger did.
 */
const WIDENING_LISTS: ReadonlySet<ItemList> = new Set(['policyItems', 'denyExceptions']);

const ITEM_FIELDS: ReadonlySet<string> = new Set(['accesses', 'users', 'groups', 'roles', 'conditions', 'delegateAdmin']);
const ACCESS_FIELDS: ReadonlySet<string> = new Set(['type', 'isAllowed']);

export interface ImportedAccess {
  type: AccessType;
  isAllowed: boolean;
}

export interface ImportedItem {
  accesses: ImportedAccess[];
  users: string[];
  groups: string[];
  roles?: string[];
  conditions?: ImportedCondition[];
}

/**
 * Converts one item list of a Ranger policy. An item left without an openraz access type is
 * dropped with a report line. Such an item names only access types that no openraz
 * operation checks, so dropping it changes no decision.
 */
export function convertItemList(policy: Record<string, unknown>, list: ItemList, log: ConversionLog): ImportedItem[] {
  const raw = policy[list];
  if (isAbsent(raw)) return [];
  if (!Array.isArray(raw)) {
    log.skip(`${list} is not a list`);
    return [];
  }

  const items: ImportedItem[] = [];
  raw.forEach((item: unknown, index) => {
    const converted = convertItem(item, `${list}[${index}]`, WIDENING_LISTS.has(list), log);
    if (converted !== undefined) items.push(converted);
  });
  return items;
}

function convertItem(raw: unknown, where: string, widens: boolean, log: ConversionLog): ImportedItem | undefined {
  if (!isRecord(raw)) {
    log.skip(`${where} is not a JSON object`);
    return undefined;
  }
  const unknown = unknownKeys(raw, ITEM_FIELDS);
  if (unknown.length > 0) {
    log.skip(`${where} has fields that openraz does not know (${unknown.join(', ')}); convert this policy by hand`);
    return undefined;
  }

  const users = readNames(raw.users, `${where}.users`, log);
  const groups = readNames(raw.groups, `${where}.groups`, log);
  const roles = readNames(raw.roles, `${where}.roles`, log);
  if (users.includes(OWNER_MACRO)) {
    log.skip(`${where} grants to ${OWNER_MACRO}, the owner of the resource, and objects in openraz have no owner`);
  }
  const conditions = convertConditions(raw.conditions, `${where}.conditions`, log);

  if (raw.delegateAdmin === true) {
    log.change(`${where}: dropped delegateAdmin, because openraz has no policy administration`);
  } else if (!isAbsent(raw.delegateAdmin) && raw.delegateAdmin !== false) {
    log.skip(`${where}.delegateAdmin is not true or false`);
  }

  const accesses = convertAccesses(raw.accesses, where, widens, log);
  if (accesses === undefined) return undefined;

  const item: ImportedItem = { accesses, users, groups };
  if (roles.length > 0) item.roles = roles;
  if (conditions.length > 0) item.conditions = conditions;
  return item;
}

function readNames(raw: unknown, where: string, log: ConversionLog): string[] {
  if (isAbsent(raw)) return [];
  if (!isStringArray(raw) || raw.some((name) => name === '')) {
    log.skip(`${where} is not a list of non-empty names`);
    return [];
  }
  return [...raw];
}

/**
 * Maps an item's accesses to openraz access types, merging duplicates: a type is allowed
 * when any Ranger access that maps to it is allowed. Returns undefined when the item must be
 * dropped or is malformed.
 */
function convertAccesses(raw: unknown, where: string, widens: boolean, log: ConversionLog): ImportedAccess[] | undefined {
  if (!Array.isArray(raw)) {
    log.skip(`${where}.accesses is missing or not a list`);
    return undefined;
  }

  const allowedByType = new Map<AccessType, boolean>();
  const droppedTypes: string[] = [];
  let createAllowed = false;
  let writeAllowedOtherwise = false;
  let sawAll = false;
  let sawCreate = false;

  for (const [index, access] of raw.entries()) {
    if (!isRecord(access) || typeof access.type !== 'string' || unknownKeys(access, ACCESS_FIELDS).length > 0) {
      log.skip(`${where}.accesses[${index}] is not an access of the form { type, isAllowed }`);
      return undefined;
    }
    if (!isAbsent(access.isAllowed) && typeof access.isAllowed !== 'boolean') {
      log.skip(`${where}.accesses[${index}].isAllowed is not true or false`);
      return undefined;
    }

    const isAllowed = access.isAllowed ?? true;
    const mapped = mapAccessType(access.type);
    if (mapped === undefined) {
      droppedTypes.push(access.type);
      continue;
    }
    if (access.type === OZONE_CREATE) {
      sawCreate = true;
      createAllowed ||= isAllowed;
    } else if (mapped.includes('write')) {
      writeAllowedOtherwise ||= isAllowed;
    }
    sawAll ||= access.type === RANGER_ALL;
    for (const type of mapped) allowedByType.set(type, (allowedByType.get(type) ?? false) || isAllowed);
  }

  if (allowedByType.size === 0) {
    const reason = droppedTypes.length > 0 ? `openraz has none of its access types (${droppedTypes.join(', ')})` : 'it has no access types';
    log.change(`dropped ${where}, because ${reason}`);
    return undefined;
  }

  if (sawAll) log.change(`${where}: access type all became read, write, delete and list`);
  if (sawCreate) {
    const widening = widens && createAllowed && !writeAllowedOtherwise;
    log.change(
      `${where}: access type create became write` +
        (widening ? '; the item did not allow write in Ranger, so check that it should now allow uploads' : ''),
    );
  }
  for (const type of droppedTypes) {
    log.change(`${where}: dropped access type ${type}, which openraz does not have`);
  }

  return [...allowedByType].map(([type, isAllowed]) => ({ type, isAllowed }));
}
