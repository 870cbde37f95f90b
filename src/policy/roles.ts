/** A role as Ranger defines it: members by user, by group and by role. */
export interface RoleDefinition {
  name: string;
  users?: readonly string[];
  groups?: readonly string[];
  roles?: readonly string[];
}

/**
 * Resolves which roles a caller holds, directly or through nested roles. Built once at load
 * time; a lookup walks only the roles the caller reaches.
 */
export class RoleDirectory {
  readonly names: ReadonlySet<string>;
  private readonly byUser = new Map<string, string[]>();
  private readonly byGroup = new Map<string, string[]>();
  /** For each role, the roles that list it as a member: holding it means holding those. */
  private readonly parents = new Map<string, string[]>();

  constructor(definitions: readonly RoleDefinition[]) {
    this.names = new Set(definitions.map((role) => role.name));
    for (const role of definitions) {
      for (const user of role.users ?? []) append(this.byUser, user, role.name);
      for (const group of role.groups ?? []) append(this.byGroup, group, role.name);
      for (const member of role.roles ?? []) append(this.parents, member, role.name);
    }
  }

  /** Returns every role the caller holds, including `extra` roles and their parents. */
  rolesOf(user: string, groups: readonly string[], extra: readonly string[] = []): ReadonlySet<string> {
    const held = new Set<string>();
    const pending = [...(this.byUser.get(user) ?? []), ...groups.flatMap((group) => this.byGroup.get(group) ?? []), ...extra];
    while (pending.length > 0) {
      const role = pending.pop()!;
      if (held.has(role)) continue;
      held.add(role);
      pending.push(...(this.parents.get(role) ?? []));
    }
    return held;
  }
}

function append(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
