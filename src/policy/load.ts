import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { LoadError, type LoadProblem } from '../errors/index.js';
import { ajvErrorsToProblems } from '../lib/ajv-problems.js';
import { PolicySet, compareEvaluationOrder } from './policy-set.js';
import { compileCondition, type CompiledCondition } from './conditions.js';
import { POLICY_FILE_SCHEMA } from './schema.js';
import { ResourceMatcher } from './resource-matcher.js';
import { PRIORITY_NORMAL, type AccessType, type CompiledItem, type CompiledPolicy } from './types.js';

/** The published JSON Schema of policy files; the loader skips a file with this name. */
export const POLICY_SCHEMA_FILE = 'schema.json';


/** S3 keys are case-sensitive, so paths match case-sensitively (Ranger's default is the opposite). */
const PATH_OPTIONS = { ignoreCase: false, separator: '/' } as const;

/** Ranger macros that openraz does not expand yet; a value containing one is rejected. */
const UNSUPPORTED_MACROS = ['{USER}', '{OWNER}'];

/** One policy file's name (for messages) and text. */
export interface PolicyFile {
  name: string;
  text: string;
}

interface RawResource {
  values: string[];
  isExcludes: boolean;
  isRecursive: boolean;
}

interface RawItem {
  accesses: { type: AccessType; isAllowed: boolean }[];
  users?: string[];
  groups?: string[];
  roles?: string[];
  conditions?: RawCondition[];
}

interface RawCondition {
  type: string;
  values: string[];
}

interface RawPolicy {
  id: number | string;
  name: string;
  isEnabled: boolean;
  policyPriority: number;
  isDenyAllElse: boolean;
  resources: { bucket: RawResource; path: RawResource };
  policyItems?: RawItem[];
  denyPolicyItems?: RawItem[];
  allowExceptions?: RawItem[];
  denyExceptions?: RawItem[];
  conditions?: RawCondition[];
  validitySchedules?: unknown[];
  additionalResources?: unknown[];
  dataMaskPolicyItems?: unknown[];
  rowFilterPolicyItems?: unknown[];
  zoneName?: string;
  policyType?: number;
  options?: Record<string, unknown>;
}

const ITEM_LISTS = ['policyItems', 'denyPolicyItems', 'allowExceptions', 'denyExceptions'] as const;

const validatePolicyFile: ValidateFunction = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false }).compile(
  POLICY_FILE_SCHEMA,
);

/**
 * Loads every `*.json` file of `dir` (except `schema.json`) as one policy set.
 *
 * @throws LoadError listing every problem in every file, with file name and JSON pointer.
 */
export async function loadPolicyDirectory(dir: string, now: Date = new Date()): Promise<PolicySet> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json') && name !== POLICY_SCHEMA_FILE).sort();
  } catch (error) {
    throw new LoadError('cannot load policies', [
      { source: dir, pointer: '', message: `cannot read the policies directory: ${(error as Error).message}` },
    ]);
  }
  if (names.length === 0) {
    throw new LoadError('cannot load policies', [
      { source: dir, pointer: '', message: 'no policy files (*.json) found; every request would be denied' },
    ]);
  }

  const files = await Promise.all(
    names.map(async (name) => ({ name: path.join(dir, name), text: await readFile(path.join(dir, name), 'utf8') })),
  );
  return compilePolicyFiles(files, now);
}

/**
 * Validates and compiles policy files into a policy set. Nothing is returned unless every
 * file is valid, so a caller never ends up with part of a set.
 *
 * @throws LoadError listing every problem found.
 */
export async function compilePolicyFiles(files: readonly PolicyFile[], now: Date = new Date()): Promise<PolicySet> {
  const validate = validatePolicyFile;
  const problems: LoadProblem[] = [];
  const enabled: CompiledPolicy[] = [];
  const seenIds = new Map<string, string>();
  const hash = createHash('sha256');

  for (const file of files) {
    hash.update(`${path.basename(file.name)}\0${file.text}\0`);

    let document: unknown;
    try {
      document = JSON.parse(file.text);
    } catch (error) {
      problems.push({ source: file.name, pointer: '', message: `invalid JSON: ${(error as Error).message}` });
      continue;
    }
    if (!validate(document)) {
      problems.push(...ajvErrorsToProblems(file.name, validate.errors));
      continue;
    }

    const policies = (document as { policies: RawPolicy[] }).policies;
    policies.forEach((raw, index) => {
      const pointer = `/policies/${index}`;
      const id = String(raw.id);
      const firstSeen = seenIds.get(id);
      if (firstSeen !== undefined) {
        problems.push({ source: file.name, pointer: `${pointer}/id`, message: `duplicate policy id ${id}, first defined at ${firstSeen}` });
        return;
      }
      seenIds.set(id, `${file.name}#${pointer}`);

      const conditions = compileAllConditions(raw);
      const policyProblems = [...checkUnsupported(raw), ...conditions.problems].map((problem) => ({
        source: file.name,
        pointer: `${pointer}${problem.pointer}`,
        message: problem.message,
      }));
      problems.push(...policyProblems);
      if (policyProblems.length === 0 && raw.isEnabled) {
        enabled.push(compilePolicy(raw, conditions.byPointer, file.name, pointer, enabled.length));
      }
    });
  }

  if (problems.length > 0) throw new LoadError('cannot load policies', problems);

  enabled.sort(compareEvaluationOrder);
  return new PolicySet(enabled, {
    version: hash.digest('hex'),
    loadedAt: now,
    files: files.map((file) => file.name),
    policyCount: enabled.length,
  });
}

/**
 * Lists the fields that name a Ranger feature openraz does not implement. Ignoring any of
 * them could grant more, or deny less, than the policy says, so each one is a load error.
 */
function checkUnsupported(raw: RawPolicy): { pointer: string; message: string }[] {
  const problems: { pointer: string; message: string }[] = [];
  const notYet = (pointer: string, what: string): void => {
    problems.push({ pointer, message: `${what} is not supported by openraz yet; remove it from the policy` });
  };

  if (raw.policyType !== undefined && raw.policyType !== 0) {
    problems.push({ pointer: '/policyType', message: `policyType ${raw.policyType} is not supported; only access policies (0) apply to object storage` });
  }
  if (raw.zoneName) notYet('/zoneName', 'a security zone');
  if (raw.options && Object.keys(raw.options).length > 0) notYet('/options', 'a policy option');
  for (const field of ['validitySchedules', 'additionalResources', 'dataMaskPolicyItems', 'rowFilterPolicyItems'] as const) {
    if ((raw[field]?.length ?? 0) > 0) notYet(`/${field}`, `"${field}"`);
  }

  for (const resourceName of ['bucket', 'path'] as const) {
    raw.resources[resourceName].values.forEach((value, index) => {
      const pointer = `/resources/${resourceName}/values/${index}`;
      for (const macro of UNSUPPORTED_MACROS) {
        if (value.includes(macro)) notYet(pointer, `the macro ${macro}`);
      }
      if (resourceName === 'path' && value.startsWith('/')) {
        problems.push({ pointer, message: `path "${value}" starts with "/"; S3 keys are written without a leading slash (write "${value.replace(/^\/+/, '')}")` });
      }
    });
  }

  for (const list of ITEM_LISTS) {
    raw[list]?.forEach((item, index) => {
      const pointer = `/${list}/${index}`;
      if ((item.roles?.length ?? 0) > 0) notYet(`${pointer}/roles`, 'a role');
      item.users?.forEach((user, userIndex) => {
        if (UNSUPPORTED_MACROS.includes(user)) notYet(`${pointer}/users/${userIndex}`, `the macro ${user}`);
      });
    });
  }
  return problems;
}

type ConditionsByPointer = ReadonlyMap<string, readonly CompiledCondition[]>;

/**
 * Compiles the policy-level conditions (under the key ``) and each item's conditions (under
 * the item's pointer, such as `/policyItems/0`), collecting a problem for each invalid one.
 */
function compileAllConditions(raw: RawPolicy): { byPointer: ConditionsByPointer; problems: { pointer: string; message: string }[] } {
  const byPointer = new Map<string, CompiledCondition[]>();
  const problems: { pointer: string; message: string }[] = [];
  const compileList = (owner: string, conditions: readonly RawCondition[] | undefined): void => {
    const compiled: CompiledCondition[] = [];
    conditions?.forEach((condition, index) => {
      const result = compileCondition(condition.type, condition.values);
      if (typeof result === 'string') problems.push({ pointer: `${owner}/conditions/${index}`, message: result });
      else compiled.push(result);
    });
    byPointer.set(owner, compiled);
  };

  compileList('', raw.conditions);
  for (const list of ITEM_LISTS) {
    raw[list]?.forEach((item, index) => compileList(`/${list}/${index}`, item.conditions));
  }
  return { byPointer, problems };
}

function compilePolicy(raw: RawPolicy, conditions: ConditionsByPointer, source: string, pointer: string, ordinal: number): CompiledPolicy {
  const { bucket, path: keyPath } = raw.resources;
  return {
    id: String(raw.id),
    name: raw.name,
    priority: raw.policyPriority ?? PRIORITY_NORMAL,
    ordinal,
    isDenyAllElse: raw.isDenyAllElse,
    source,
    pointer,
    bucket: new ResourceMatcher(bucket.values, {
      recursive: false,
      excludes: bucket.isExcludes,
      ignoreCase: false,
      separator: '/',
    }),
    path: new ResourceMatcher(keyPath.values, {
      recursive: keyPath.isRecursive,
      excludes: keyPath.isExcludes,
      ...PATH_OPTIONS,
    }),
    conditions: conditions.get('') ?? [],
    allowItems: compileItems(raw.policyItems, '/policyItems', conditions),
    denyItems: compileItems(raw.denyPolicyItems, '/denyPolicyItems', conditions),
    allowExceptions: compileItems(raw.allowExceptions, '/allowExceptions', conditions),
    denyExceptions: compileItems(raw.denyExceptions, '/denyExceptions', conditions),
  };
}

/** The group that every user belongs to, in Ranger. */
export const PUBLIC_GROUP = 'public';

function compileItems(items: readonly RawItem[] | undefined, listPointer: string, conditions: ConditionsByPointer): CompiledItem[] {
  return (items ?? []).map((item, index) => ({
    conditions: conditions.get(`${listPointer}/${index}`) ?? [],
    index,
    accessTypes: new Set(item.accesses.filter((access) => access.isAllowed).map((access) => access.type)),
    users: new Set(item.users ?? []),
    groups: new Set(item.groups ?? []),
    everyone: (item.groups ?? []).includes(PUBLIC_GROUP),
  }));
}
