import { ACCESS_TYPES, type AccessType } from '../types.js';

/** Ranger's access type that implies every other type of its service definition. */
export const RANGER_ALL = 'all';

/**
 * The Ozone service definition's access type for creating keys. openraz has one access type
 * for uploads, `write`, so `create` becomes `write`.
 */
export const OZONE_CREATE = 'create';

/**
 * Maps a Ranger access type to openraz access types. Returns undefined for a type openraz
 * does not have, such as Ozone's `read_acl` and `write_acl` or an `admin` type.
 */
export function mapAccessType(type: string): readonly AccessType[] | undefined {
  if ((ACCESS_TYPES as readonly string[]).includes(type)) return [type as AccessType];
  if (type === OZONE_CREATE) return ['write'];
  if (type === RANGER_ALL) return ACCESS_TYPES;
  return undefined;
}
