import { Glob, type GlobOptions } from './glob.js';

/** Ranger's resource definition inside a policy: `{ values, isExcludes, isRecursive }`. */
export interface ResourceMatcherOptions extends GlobOptions {
  excludes: boolean;
}

/**
 * Matches one policy resource (a bucket or a path) against request values. The values are
 * alternatives; `isExcludes` inverts the whole set, as in Ranger.
 */
export class ResourceMatcher {
  readonly values: readonly string[];
  readonly excludes: boolean;
  readonly recursive: boolean;
  private readonly globs: readonly Glob[];

  constructor(values: readonly string[], options: ResourceMatcherOptions) {
    this.values = values;
    this.excludes = options.excludes;
    this.recursive = options.recursive;
    this.globs = values.map((value) => new Glob(value, options));
  }

  /** Returns true when the resource matches `value` exactly (one key, one bucket). */
  matches(value: string): boolean {
    const any = this.globs.some((glob) => glob.matches(value));
    return this.excludes ? !any : any;
  }

  /**
   * Returns true when every value that starts with `prefix` matches. A union of several
   * values that covers the prefix only together is not detected, so the answer errs towards
   * false, which is the safe side for an allow.
   */
  coversPrefix(prefix: string): boolean {
    if (this.excludes) return !this.globs.some((glob) => glob.touchesPrefix(prefix));
    return this.globs.some((glob) => glob.coversPrefix(prefix));
  }

  /**
   * Returns true when some value that starts with `prefix` matches. For an excludes resource
   * the answer errs towards true, which is the safe side for a deny.
   */
  touchesPrefix(prefix: string): boolean {
    if (this.excludes) return !this.globs.some((glob) => glob.coversPrefix(prefix));
    return this.globs.some((glob) => glob.touchesPrefix(prefix));
  }
}
