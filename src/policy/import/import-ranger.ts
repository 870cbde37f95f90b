import { POLICY_SCHEMA_FILE } from '../load.js';
import { convertRangerPolicy } from './convert-policy.js';
import { ITEM_LISTS, type ImportedItem } from './items.js';
import { isRecord } from './json-values.js';
import { readRangerInput } from './ranger-input.js';
import type { RangerImportOptions, RangerImportReportEntry, RangerImportResult } from './types.js';

/** Output file name when the input names no single service. */
export const DEFAULT_IMPORT_FILE = 'ranger-import.json';

/**
 * Converts Ranger policies for an S3-like service into one openraz policy file, and reports
 * for each policy whether it was imported unchanged, imported with changes or skipped, and
 * why. Policies keep their Ranger ids. Pure: no I/O.
 *
 * `input` is a parsed Ranger Admin export (`exportJson`) or a plugin download
 * (`ServicePolicies`). The output loads with `compilePolicyFiles` when the policies use only
 * what the policy loader supports.
 *
 * @throws LoadError when `input` is neither format.
 */
export function importRanger(input: unknown, options: RangerImportOptions = {}): RangerImportResult {
  const source = options.source ?? 'input';
  const parsed = readRangerInput(input, source);
  const notes = [...parsed.notes];
  if (options.serviceName === undefined && parsed.serviceNames.length > 1) {
    notes.push(`The input holds policies of ${parsed.serviceNames.length} services (${parsed.serviceNames.join(', ')}), and all of them were converted into one file.`);
  }

  const policies: Record<string, unknown>[] = [];
  const report: RangerImportReportEntry[] = [];
  const importedIds = new Set<string>();
  for (const { value, zone } of parsed.policies) {
    const otherService = serviceOutside(value, options.serviceName);
    if (otherService !== undefined) {
      report.push(skippedEntry(value, `it belongs to the service "${otherService}", not "${options.serviceName}"`));
      continue;
    }

    const { entry, policy } = convertRangerPolicy(value, zone);
    if (policy !== undefined && importedIds.has(String(entry.policyId))) {
      report.push({ ...entry, action: 'skipped', details: [`another policy with the id ${entry.policyId} was imported before it`] });
      continue;
    }
    if (policy !== undefined) {
      importedIds.add(String(entry.policyId));
      policies.push(policy);
    }
    report.push(entry);
  }

  const roles = rolesNamedBy(policies);
  if (roles.length > 0) {
    notes.push(`The imported policies name the roles ${roles.join(', ')}; define them in roles.json, because Ranger exports roles separately.`);
  }

  const serviceName = options.serviceName ?? (parsed.serviceNames.length === 1 ? parsed.serviceNames[0] : undefined);
  return { files: [{ name: policyFileName(serviceName), document: { policies } }], report, notes };
}

/** Returns the distinct role names in the items of converted policies, in order of appearance. */
function rolesNamedBy(policies: readonly Record<string, unknown>[]): string[] {
  const roles = new Set<string>();
  for (const policy of policies) {
    for (const list of ITEM_LISTS) {
      for (const item of policy[list] as ImportedItem[]) item.roles?.forEach((role) => roles.add(role));
    }
  }
  return [...roles];
}

/** Returns the policy's service when a service was chosen and the policy names another one. */
function serviceOutside(policy: unknown, serviceName: string | undefined): string | undefined {
  if (serviceName === undefined || !isRecord(policy) || typeof policy.service !== 'string') return undefined;
  return policy.service === serviceName ? undefined : policy.service;
}

function skippedEntry(policy: unknown, reason: string): RangerImportReportEntry {
  const id = isRecord(policy) && (typeof policy.id === 'number' || typeof policy.id === 'string') ? policy.id : null;
  const name = isRecord(policy) && typeof policy.name === 'string' ? policy.name : null;
  return { policyId: id, name, action: 'skipped', details: [reason] };
}

/**
 * Names the output file after the service, with characters that are unsafe in file names
 * replaced by `_`. The policy loader skips `schema.json`, so a service named `schema` gets
 * the default name.
 */
export function policyFileName(serviceName: string | undefined): string {
  const safe = (serviceName ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '');
  const name = safe === '' ? DEFAULT_IMPORT_FILE : `${safe}.json`;
  return name === POLICY_SCHEMA_FILE ? DEFAULT_IMPORT_FILE : name;
}
