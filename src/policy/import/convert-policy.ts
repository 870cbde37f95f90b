import { convertConditions } from './conditions.js';
import { ConversionLog } from './conversion-log.js';
import { ITEM_LISTS, convertItemList } from './items.js';
import { isAbsent, isRecord, isStringArray, quoteList, unknownKeys } from './json-values.js';
import { convertResources, type ImportedResources } from './resources.js';
import type { RangerImportReportEntry } from './types.js';

interface PolicyFlags {
  isEnabled: boolean;
  isAuditEnabled: boolean;
  policyPriority: number;
  isDenyAllElse: boolean;
}

/**
 * Ranger's values for policy fields left out of an export, as its RangerPolicy and
 * RangerBaseModelObject setters fill them in.
 */
const POLICY_DEFAULTS: Readonly<PolicyFlags> = { isEnabled: true, isAuditEnabled: true, policyPriority: 0, isDenyAllElse: false };

/** Ranger's policy priorities: 0 normal, 1 override. */
const POLICY_PRIORITIES: readonly number[] = [0, 1];

/** Ranger's `policyType` values other than 0 (access), and why each cannot be imported. */
const OTHER_POLICY_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'it is a data masking policy (policyType 1), and masking applies to table columns, not to objects'],
  [2, 'it is a row filter policy (policyType 2), and row filters apply to table rows, not to objects'],
  [3, 'it is an audit policy (policyType 3), and openraz audits every decision'],
]);

/** Fields openraz reads, converted or checked below. */
const CONVERTED_FIELDS = [
  'id',
  'name',
  'description',
  ...Object.keys(POLICY_DEFAULTS),
  'policyLabels',
  'resources',
  'additionalResources',
  'conditions',
  'validitySchedules',
  ...ITEM_LISTS,
  'policyType',
  'zoneName',
  'options',
  'dataMaskPolicyItems',
  'rowFilterPolicyItems',
];

/** Ranger's bookkeeping fields, dropped without a report line. */
const BOOKKEEPING_FIELDS = ['guid', 'version', 'createTime', 'updateTime', 'createdBy', 'updatedBy', 'service', 'serviceType', 'resourceSignature', 'sameLevel'];

const KNOWN_FIELDS: ReadonlySet<string> = new Set([...CONVERTED_FIELDS, ...BOOKKEEPING_FIELDS]);

export interface PolicyConversion {
  entry: RangerImportReportEntry;
  /** The openraz policy, absent when the policy was skipped. */
  policy?: Record<string, unknown>;
}

/**
 * Converts one Ranger policy to an openraz policy, or explains why it cannot be converted.
 * `zone` is the security zone the policy was listed under, if any.
 */
export function convertRangerPolicy(raw: unknown, zone?: string): PolicyConversion {
  if (!isRecord(raw)) {
    return { entry: { policyId: null, name: null, action: 'skipped', details: ['the policy is not a JSON object'] } };
  }

  const log = new ConversionLog();
  const id = readId(raw.id, log);
  const name = readName(raw.name, log);
  const unknown = unknownKeys(raw, KNOWN_FIELDS);
  if (unknown.length > 0) {
    log.skip(`the policy has fields that openraz does not know (${unknown.join(', ')}); convert it by hand`);
  }
  checkPolicyKind(raw, zone, log);

  const flags = readFlags(raw, log);
  const description = readOptionalString(raw.description, 'description', log);
  const policyLabels = readOptionalStrings(raw.policyLabels, 'policyLabels', log);
  const resources = convertResources(raw.resources, 'resources', log);
  const additionalResources = convertAdditionalResources(raw.additionalResources, log);
  const conditions = convertConditions(raw.conditions, 'conditions', log);
  const validitySchedules = readValiditySchedules(raw.validitySchedules, log);
  const items = ITEM_LISTS.map((list) => [list, convertItemList(raw, list, log)] as const);

  if (log.skipped || resources === undefined) {
    return { entry: { policyId: id, name, action: 'skipped', details: log.skipReasons } };
  }
  if (!flags.isEnabled) log.note('the policy is disabled in Ranger and stays disabled');

  const policy: Record<string, unknown> = { id, name };
  if (description !== undefined) policy.description = description;
  Object.assign(policy, flags);
  if (policyLabels.length > 0) policy.policyLabels = policyLabels;
  policy.resources = resources;
  if (additionalResources.length > 0) policy.additionalResources = additionalResources;
  if (conditions.length > 0) policy.conditions = conditions;
  if (validitySchedules.length > 0) policy.validitySchedules = validitySchedules;
  for (const [list, converted] of items) policy[list] = converted;

  const action = log.changes.length > 0 ? 'imported-with-changes' : 'imported';
  return { entry: { policyId: id, name, action, details: [...log.changes, ...log.notes] }, policy };
}

function readId(raw: unknown, log: ConversionLog): number | string | null {
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw === 'string' && raw !== '') return raw;
  log.skip(isAbsent(raw) ? 'the policy has no id' : `the policy id ${JSON.stringify(raw)} is not a non-negative integer or a string`);
  return null;
}

function readName(raw: unknown, log: ConversionLog): string | null {
  if (typeof raw === 'string' && raw !== '') return raw;
  log.skip('the policy has no name');
  return null;
}

/** Logs why a policy that is not a plain access policy (masking, row filter, zone, options) must be skipped. */
function checkPolicyKind(raw: Record<string, unknown>, zone: string | undefined, log: ConversionLog): void {
  const policyType = raw.policyType ?? 0;
  if (policyType !== 0) {
    log.skip(OTHER_POLICY_TYPES.get(policyType as number) ?? `policyType ${JSON.stringify(policyType)} is not an access policy (0)`);
  } else if (isNonEmptyList(raw.dataMaskPolicyItems)) {
    log.skip('it has data masking items (dataMaskPolicyItems), and masking applies to table columns, not to objects');
  } else if (isNonEmptyList(raw.rowFilterPolicyItems)) {
    log.skip('it has row filter items (rowFilterPolicyItems), and row filters apply to table rows, not to objects');
  }

  const zoneName = typeof raw.zoneName === 'string' && raw.zoneName !== '' ? raw.zoneName : zone;
  if (zoneName !== undefined) {
    log.skip(`it belongs to the security zone "${zoneName}", and openraz has no security zones to limit it to the zone's resources`);
  }

  if (isRecord(raw.options) && Object.keys(raw.options).length > 0) {
    log.skip(`it sets the policy options ${quoteList(Object.keys(raw.options))}, which openraz does not implement`);
  } else if (!isAbsent(raw.options) && !isRecord(raw.options)) {
    log.skip('options is not a JSON object');
  }
}

function isNonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

/** Reads the policy's flags and priority, filling Ranger's default for each one left out. */
function readFlags(raw: Record<string, unknown>, log: ConversionLog): PolicyFlags {
  const flags: PolicyFlags = { ...POLICY_DEFAULTS };
  for (const field of ['isEnabled', 'isAuditEnabled', 'isDenyAllElse'] as const) {
    const value = raw[field];
    if (typeof value === 'boolean') flags[field] = value;
    else if (!isAbsent(value)) log.skip(`${field} is not true or false`);
  }

  const priority = raw.policyPriority;
  if (typeof priority === 'number' && POLICY_PRIORITIES.includes(priority)) flags.policyPriority = priority;
  else if (!isAbsent(priority)) log.skip(`policyPriority ${JSON.stringify(priority)} is not 0 (normal) or 1 (override)`);
  return flags;
}

function readOptionalString(raw: unknown, field: string, log: ConversionLog): string | undefined {
  if (isAbsent(raw)) return undefined;
  if (typeof raw === 'string') return raw;
  log.skip(`${field} is not a string`);
  return undefined;
}

function readOptionalStrings(raw: unknown, field: string, log: ConversionLog): string[] {
  if (isAbsent(raw)) return [];
  if (isStringArray(raw)) return [...raw];
  log.skip(`${field} is not a list of strings`);
  return [];
}

function convertAdditionalResources(raw: unknown, log: ConversionLog): ImportedResources[] {
  if (isAbsent(raw)) return [];
  if (!Array.isArray(raw)) {
    log.skip('additionalResources is not a list');
    return [];
  }
  const converted: ImportedResources[] = [];
  raw.forEach((resources: unknown, index) => {
    const result = convertResources(resources, `additionalResources[${index}]`, log);
    if (result !== undefined) converted.push(result);
  });
  return converted;
}

/**
 * Copies validity schedules unchanged: their Ranger format (`startTime`, `endTime`,
 * `timeZone`, `recurrences`) is also openraz's, and the policy loader validates them.
 */
function readValiditySchedules(raw: unknown, log: ConversionLog): Record<string, unknown>[] {
  if (isAbsent(raw)) return [];
  if (!Array.isArray(raw) || !raw.every(isRecord)) {
    log.skip('validitySchedules is not a list of JSON objects');
    return [];
  }
  return raw.map((schedule) => structuredClone(schedule));
}
