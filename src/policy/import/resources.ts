import type { ConversionLog } from './conversion-log.js';
import { isAbsent, isRecord, isStringArray, quoteList, unknownKeys } from './json-values.js';
import { OWNER_MACRO, REQUEST_EXPRESSION_START } from './macros.js';

type ResourceName = 'bucket' | 'path';

/**
 * Ranger resource names that openraz reads, and the openraz name of each. S3-like service
 * definitions name the resources either `bucket` and `path` or `bucketname` and `objectpath`.
 */
const RESOURCE_NAMES: ReadonlyMap<string, ResourceName> = new Map([
  ['bucket', 'bucket'],
  ['path', 'path'],
  ['bucketname', 'bucket'],
  ['objectpath', 'path'],
]);

const RESOURCE_FIELDS: ReadonlySet<string> = new Set(['values', 'isExcludes', 'isRecursive']);

export interface ImportedResource {
  values: string[];
  isExcludes: boolean;
  isRecursive: boolean;
}

export type ImportedResources = Record<ResourceName, ImportedResource>;

/**
 * Converts a Ranger resource map (`resources`, or one entry of `additionalResources`, named
 * by `where`) to openraz's `bucket` and `path`. Returns undefined when the policy must be
 * skipped, after logging why.
 */
export function convertResources(raw: unknown, where: string, log: ConversionLog): ImportedResources | undefined {
  if (!isRecord(raw)) {
    log.skip(`${where} is missing or not a JSON object`);
    return undefined;
  }
  const foreign = Object.keys(raw).filter((name) => !RESOURCE_NAMES.has(name));
  if (foreign.length > 0) {
    const subject = foreign.length === 1 ? `the resource ${quoteList(foreign)} in ${where} has` : `the resources ${quoteList(foreign)} in ${where} have`;
    log.skip(`${subject} no openraz equivalent, because openraz policies name only a bucket and a path`);
    return undefined;
  }

  const converted: Partial<ImportedResources> = {};
  const sourceNames: Partial<Record<ResourceName, string>> = {};
  let valid = true;
  for (const [name, resource] of Object.entries(raw)) {
    const target = RESOURCE_NAMES.get(name)!;
    if (sourceNames[target] !== undefined) {
      log.skip(`${where} names the ${target} twice, as "${sourceNames[target]}" and as "${name}"`);
      return undefined;
    }
    sourceNames[target] = name;
    if (name !== target) log.change(`${where}: renamed ${name} to ${target}`);

    const result = convertResource(resource, `${where}.${name}`, target, log);
    if (result === undefined) valid = false;
    else converted[target] = result;
  }
  if (!valid) return undefined;

  const missing = (['bucket', 'path'] as const).filter((name) => sourceNames[name] === undefined);
  if (missing.length > 0) {
    log.skip(`${where} has no ${missing.join(' or ')} resource, and an openraz policy needs both a bucket and a path`);
    return undefined;
  }
  return converted as ImportedResources;
}

function convertResource(raw: unknown, where: string, target: ResourceName, log: ConversionLog): ImportedResource | undefined {
  if (!isRecord(raw) || unknownKeys(raw, RESOURCE_FIELDS).length > 0) {
    log.skip(`${where} is not a resource of the form { values, isExcludes, isRecursive }`);
    return undefined;
  }
  if (!isStringArray(raw.values) || raw.values.length === 0) {
    log.skip(`${where}.values is missing or empty`);
    return undefined;
  }
  for (const flag of ['isExcludes', 'isRecursive'] as const) {
    if (!isAbsent(raw[flag]) && typeof raw[flag] !== 'boolean') {
      log.skip(`${where}.${flag} is not true or false`);
      return undefined;
    }
  }

  const isExcludes = (raw.isExcludes as boolean | null | undefined) ?? false;
  const isRecursive = (raw.isRecursive as boolean | null | undefined) ?? false;
  let valid = true;
  for (const value of raw.values) {
    if (value.includes(OWNER_MACRO)) {
      log.skip(`${where} value "${value}" uses ${OWNER_MACRO}, the owner of the resource, and objects in openraz have no owner`);
      valid = false;
    }
    if (value.includes(REQUEST_EXPRESSION_START)) {
      log.skip(`${where} value "${value}" uses a request expression, which openraz does not evaluate`);
      valid = false;
    }
  }
  if (!valid) return undefined;

  const values = target === 'path' ? raw.values.map((value) => convertPathValue(value, isRecursive, where, log)) : [...raw.values];
  return { values, isExcludes, isRecursive };
}

/**
 * Removes the leading `/` that Ranger path values carry, because openraz path values are S3
 * keys, which have none. A recursive `/` covers every path in Ranger, and `*` does so in
 * openraz, while an empty recursive value would match only the empty key.
 */
function convertPathValue(value: string, isRecursive: boolean, where: string, log: ConversionLog): string {
  if (!value.startsWith('/')) return value;

  const key = value.replace(/^\/+/, '');
  if (key === '' && isRecursive) {
    log.change(`${where}: path value "${value}" became "*", which covers every key as the recursive "${value}" does in Ranger`);
    return '*';
  }
  if (key === '') {
    log.change(`${where}: path value "${value}" became "", which matches no object key, because openraz path values have no leading slash`);
    return '';
  }
  log.change(`${where}: path value "${value}" became "${key}", because openraz path values have no leading slash`);
  return key;
}
