import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { LoadError, type LoadProblem } from '../errors/index.js';
import { ajvErrorsToProblems } from '../lib/ajv-problems.js';
import { parseValidatedJson } from '../lib/json-document.js';
import { compilePolicy, type CompileContext, type RawPolicy } from './compile-policy.js';
import { CONDITION_COMPILERS } from './condition-types.js';
import { DEFAULT_MATCHER_OPTIONS, PolicySet, compareEvaluationOrder, type MatcherOptions } from './policy-set.js';
import { ROLES_FILE, parseRolesFile } from './roles-file.js';
import { RoleDirectory, type RoleDefinition } from './roles.js';
import { POLICY_FILE_SCHEMA } from './schema.js';
import { compileSchedules } from './schedules.js';
import type { CompiledPolicy } from './types.js';

/** The published JSON Schema of policy files; the loader skips a file with this name. */
export const POLICY_SCHEMA_FILE = 'schema.json';

/** One policy file's name (for messages) and text. */
export interface PolicyFile {
  name: string;
  text: string;
}

export interface PolicyLoadOptions {
  matcher?: MatcherOptions;
  /** The load time recorded in the set's info. */
  now?: Date;
}

// Each policy is validated on its own, so that one invalid policy does not hide the
// problems of the others: the file schema checks only the envelope.
const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
const validatePolicyFile: ValidateFunction = ajv.compile({
  ...POLICY_FILE_SCHEMA,
  properties: { ...POLICY_FILE_SCHEMA.properties, policies: { type: 'array' } },
});
const validatePolicy: ValidateFunction = ajv.compile({ ...POLICY_FILE_SCHEMA.definitions.policy, definitions: POLICY_FILE_SCHEMA.definitions });

/**
 * Loads every `*.json` file of `dir` as one policy set: `roles.json` as the roles file and
 * the others, except `schema.json`, as policy files.
 *
 * @throws LoadError listing every problem in every file, with file name and JSON pointer.
 */
export async function loadPolicyDirectory(dir: string, options: PolicyLoadOptions = {}): Promise<PolicySet> {
  let names: string[];
  try {
    // Hidden files (editor locks such as `.#p.json`) are not policy files.
    names = (await readdir(dir)).filter((name) => name.endsWith('.json') && !name.startsWith('.') && name !== POLICY_SCHEMA_FILE).sort();
  } catch (error) {
    throw new LoadError('cannot load policies', [
      { source: dir, pointer: '', message: `cannot read the policies directory: ${(error as Error).message}` },
    ]);
  }

  const read = async (name: string): Promise<PolicyFile> => ({ name: path.join(dir, name), text: await readFile(path.join(dir, name), 'utf8') });
  const policyNames = names.filter((name) => name !== ROLES_FILE);
  if (policyNames.length === 0) {
    throw new LoadError('cannot load policies', [
      { source: dir, pointer: '', message: 'no policy files (*.json) found; every request would be denied' },
    ]);
  }
  const files = await Promise.all(policyNames.map(read));
  const roles = names.includes(ROLES_FILE) ? await read(ROLES_FILE) : undefined;
  return compilePolicyFiles(files, { ...options, ...(roles === undefined ? {} : { roles }) });
}

/**
 * Validates and compiles policy files (and an optional roles file) into a policy set.
 * Nothing is returned unless every file is valid, so a caller never ends up with part of a
 * set.
 *
 * @throws LoadError listing every problem found.
 */
export async function compilePolicyFiles(
  files: readonly PolicyFile[],
  options: PolicyLoadOptions & { roles?: PolicyFile } = {},
): Promise<PolicySet> {
  const problems: LoadProblem[] = [];
  const hash = createHash('sha256');

  let roleDefinitions: RoleDefinition[] = [];
  if (options.roles !== undefined) {
    hash.update(`${path.basename(options.roles.name)}\0${options.roles.text}\0`);
    roleDefinitions = parseRolesFile(options.roles.name, options.roles.text, problems);
  }
  const roles = new RoleDirectory(roleDefinitions);
  const matcher = options.matcher ?? DEFAULT_MATCHER_OPTIONS;
  const context: CompileContext = { matcher, conditionCompilers: CONDITION_COMPILERS, roleNames: roles.names, compileSchedules };

  const enabled: CompiledPolicy[] = [];
  const seenIds = new Map<string, string>();
  for (const file of files) {
    hash.update(`${path.basename(file.name)}\0${file.text}\0`);
    const policies = parsePolicyFile(file, problems);

    policies.forEach((raw, index) => {
      if (raw === undefined) return;
      const pointer = `/policies/${index}`;
      const id = String(raw.id);
      const firstSeen = seenIds.get(id);
      if (firstSeen !== undefined) {
        problems.push({ source: file.name, pointer: `${pointer}/id`, message: `duplicate policy id ${id}, first defined at ${firstSeen}` });
        return;
      }
      seenIds.set(id, `${file.name}#${pointer}`);

      // Disabled policies are checked too, so that enabling one later cannot fail the load.
      const compiled = compilePolicy(raw, context, { source: file.name, pointer, ordinal: enabled.length });
      problems.push(...compiled.problems.map((problem) => ({ source: file.name, pointer: `${pointer}${problem.pointer}`, message: problem.message })));
      if (compiled.policy !== undefined && raw.isEnabled) enabled.push(compiled.policy);
    });
  }

  if (problems.length > 0) throw new LoadError('cannot load policies', problems);

  enabled.sort(compareEvaluationOrder);
  return new PolicySet(enabled, roles, matcher, {
    version: hash.digest('hex'),
    loadedAt: options.now ?? new Date(),
    files: [...files.map((file) => file.name), ...(options.roles === undefined ? [] : [options.roles.name])],
    policyCount: enabled.length,
  });
}

/** Returns the file's policies, with `undefined` in place of each policy that fails the schema. */
function parsePolicyFile(file: PolicyFile, problems: LoadProblem[]): (RawPolicy | undefined)[] {
  const document = parseValidatedJson<{ policies: unknown[] }>(file.name, file.text, validatePolicyFile, problems);
  if (document === undefined) return [];
  return document.policies.map((policy, index) => {
    if (validatePolicy(policy)) return policy as RawPolicy;
    const errors = (validatePolicy.errors ?? []).map((error) => ({ ...error, instancePath: `/policies/${index}${error.instancePath}` }));
    problems.push(...ajvErrorsToProblems(file.name, errors));
    return undefined;
  });
}
