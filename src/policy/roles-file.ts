import { Ajv } from 'ajv';
import type { LoadProblem } from '../errors/index.js';
import { parseValidatedJson } from '../lib/json-document.js';
import type { RoleDefinition } from './roles.js';
import { ROLES_FILE_SCHEMA } from './schema.js';

/** The roles file that sits next to the policy files. */
export const ROLES_FILE = 'roles.json';

const validateRolesFile = new Ajv({ allErrors: true, strict: true, strictTypes: false }).compile(ROLES_FILE_SCHEMA);

type Member = string | { name: string };

/**
 * Parses and checks a roles file: every nested role must be defined, and names are unique.
 * Problems are appended to `problems`.
 */
export function parseRolesFile(source: string, text: string, problems: LoadProblem[]): RoleDefinition[] {
  const document = parseValidatedJson<{ roles: { name: string; users?: Member[]; groups?: Member[]; roles?: Member[] }[] }>(source, text, validateRolesFile, problems);
  if (document === undefined) return [];

  const raw = document.roles;
  const names = (members: Member[] | undefined): string[] => (members ?? []).map((member) => (typeof member === 'string' ? member : member.name));
  const roles = raw.map((role) => ({ name: role.name, users: names(role.users), groups: names(role.groups), roles: names(role.roles) }));

  const defined = new Set<string>();
  roles.forEach((role, index) => {
    if (defined.has(role.name)) problems.push({ source, pointer: `/roles/${index}/name`, message: `duplicate role "${role.name}"` });
    defined.add(role.name);
  });
  roles.forEach((role, index) => {
    role.roles.forEach((member, memberIndex) => {
      if (!defined.has(member)) {
        problems.push({ source, pointer: `/roles/${index}/roles/${memberIndex}`, message: `role "${member}" is not defined in this file` });
      }
    });
  });
  return roles;
}
