/** Returns true for a JSON object (not an array and not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Returns true for an array whose elements are all strings. */
export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((element) => typeof element === 'string');
}

/** Returns true when a field is absent: Ranger writes missing values as absent or as null. */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/** Returns the keys of `record` that are not in `known`, in input order. */
export function unknownKeys(record: Record<string, unknown>, known: ReadonlySet<string>): string[] {
  return Object.keys(record).filter((key) => !known.has(key));
}

/** Formats names for a message: `"a"`, `"a" and "b"`, `"a", "b" and "c"`. */
export function quoteList(names: readonly string[]): string {
  const quoted = names.map((name) => JSON.stringify(name));
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}
