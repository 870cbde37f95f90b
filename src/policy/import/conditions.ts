import { CONDITION_COMPILERS } from '../condition-types.js';
import { compileCondition } from '../conditions.js';
import type { ConversionLog } from './conversion-log.js';
import { isAbsent, isRecord, isStringArray, unknownKeys } from './json-values.js';

/**
 * The Ranger condition types that openraz's policy loader implements. A policy with any
 * other type is skipped, because the loader rejects unknown types and dropping the
 * condition could grant more or deny less than the Ranger policy.
 */
export const IMPORTED_CONDITION_TYPES: readonly string[] = ['ip-range', 'time-of-day'];

const CONDITION_FIELDS: ReadonlySet<string> = new Set(['type', 'values']);

export interface ImportedCondition {
  type: string;
  values: string[];
}

/**
 * Converts a Ranger condition list (`conditions` of a policy or of an item). `where` names the
 * list in report lines, such as `policyItems[0].conditions`.
 */
export function convertConditions(raw: unknown, where: string, log: ConversionLog): ImportedCondition[] {
  if (isAbsent(raw)) return [];
  if (!Array.isArray(raw)) {
    log.skip(`${where} is not a list`);
    return [];
  }

  const conditions: ImportedCondition[] = [];
  raw.forEach((condition: unknown, index) => {
    const at = `${where}[${index}]`;
    if (!isRecord(condition) || typeof condition.type !== 'string' || unknownKeys(condition, CONDITION_FIELDS).length > 0) {
      log.skip(`${at} is not a condition of the form { type, values }`);
      return;
    }
    const values = condition.values ?? [];
    if (!isStringArray(values)) {
      log.skip(`${at}.values is not a list of strings`);
      return;
    }
    if (!IMPORTED_CONDITION_TYPES.includes(condition.type)) {
      log.skip(
        `${at} has the condition type "${condition.type}", which openraz does not implement ` +
          `(it implements ${IMPORTED_CONDITION_TYPES.join(' and ')}); dropping the condition could grant more or deny less`,
      );
      return;
    }
    if (values.length === 0 || values.some((value) => value.trim() === '')) {
      log.skip(`${at} (${condition.type}) has an empty value, and openraz needs at least one non-empty value`);
      return;
    }
    // Values the loader would reject (Ranger's `*` for any address, a time of day without a
    // zone) skip the policy here, so that the written files load.
    const compiled = compileCondition(CONDITION_COMPILERS, condition.type, values);
    if (typeof compiled === 'string') {
      log.skip(`${at}: ${compiled}`);
      return;
    }
    conditions.push({ type: condition.type, values: [...values] });
  });
  return conditions;
}
