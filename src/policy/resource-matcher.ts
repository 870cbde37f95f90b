import { Glob, USER_MACRO, type GlobOptions } from './glob.js';

/** Ranger's resource definition inside a policy: `{ values, isExcludes, isRecursive }`. */
export interface ResourceMatcherOptions extends GlobOptions {
  excludes: boolean;
}

/** Compiled globs per user for values with `{USER}`; cleared whole when it grows past this. */
const MAX_CACHED_USERS = 4096;

/**
 * Matches one policy resource (a bucket or a path) against request values. The values are
 * alternatives; `isExcludes` inverts the whole set, as in Ranger. Values that contain the
 * `{USER}` macro are compiled for each user on first use and cached.
 */
export class ResourceMatcher {
  readonly values: readonly string[];
  readonly excludes: boolean;
  readonly recursive: boolean;
  private readonly options: ResourceMatcherOptions;
  private readonly fixedGlobs: readonly Glob[];
  private readonly macroValues: readonly string[];
  private readonly globsByUser = new Map<string, readonly Glob[]>();

  constructor(values: readonly string[], options: ResourceMatcherOptions) {
    this.values = values;
    this.options = options;
    this.excludes = options.excludes;
    this.recursive = options.recursive;
    this.fixedGlobs = values.filter((value) => !value.includes(USER_MACRO)).map((value) => new Glob(value, options));
    this.macroValues = values.filter((value) => value.includes(USER_MACRO));
  }

  /** Returns true when the resource matches `value` exactly (one key, one bucket). */
  matches(value: string, user: string): boolean {
    const any = this.globsFor(user).some((glob) => glob.matches(value));
    return this.excludes ? !any : any;
  }

  /**
   * Returns true when every value that starts with `prefix` matches. A union of several
   * values that covers the prefix only together is not detected, so the result errs towards
   * false, which is the safe side for an allow.
   */
  coversPrefix(prefix: string, user: string): boolean {
    const globs = this.globsFor(user);
    if (this.excludes) return !globs.some((glob) => glob.touchesPrefix(prefix));
    return globs.some((glob) => glob.coversPrefix(prefix));
  }

  /**
   * Returns true when some value that starts with `prefix` matches. For an excludes resource
   * the result errs towards true, which is the safe side for a deny.
   */
  touchesPrefix(prefix: string, user: string): boolean {
    const globs = this.globsFor(user);
    if (this.excludes) return !globs.some((glob) => glob.coversPrefix(prefix));
    return globs.some((glob) => glob.touchesPrefix(prefix));
  }

  private globsFor(user: string): readonly Glob[] {
    if (this.macroValues.length === 0) return this.fixedGlobs;
    let globs = this.globsByUser.get(user);
    if (globs === undefined) {
      if (this.globsByUser.size >= MAX_CACHED_USERS) this.globsByUser.clear();
      globs = [...this.fixedGlobs, ...this.macroValues.map((value) => new Glob(value, this.options, user))];
      this.globsByUser.set(user, globs);
    }
    return globs;
  }
}
