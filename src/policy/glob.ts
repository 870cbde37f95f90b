/**
 * Ranger-style wildcard patterns: `*` matches any run of characters and `?` matches exactly
 * one code point, and both also match the path separator, as in Ranger's path matcher. There
 * is no escape for a literal `*` or `?`, again as in Ranger. The macro `{USER}` stands for the
 * requesting user's name, taken literally even when it contains `*` or `?`.
 *
 * Matching runs an NFA over the value, one step per code point, so its cost is at most the
 * value's length times the pattern's length whatever the input. A backtracking regular
 * expression would let a crafted key with many `*` in a policy take seconds.
 */
import { foldCase } from './fold-case.js';

export interface GlobOptions {
  /**
   * Ranger's `isRecursive`: the pattern also matches everything below a match, that is any
   * string made of a match, the separator and anything after it.
   */
  recursive: boolean;
  ignoreCase: boolean;
  /** Ranger's `pathSeparatorChar`, `/` for S3 paths. */
  separator: string;
  /** Ranger's `wildCard`: when false, `*` and `?` are literal characters. */
  wildCard?: boolean;
}

/** Ranger's macro for the requesting user's name in path values and item users. */
export const USER_MACRO = '{USER}';

/** Token codes: a code point is itself (0 or more); these two are the wildcards. */
const ONE = -1;
const RUN = -2;

/** Returns true when `value` contains a character with wildcard meaning. */
export function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

/**
 * Returns the literal start of a pattern: the text before its first wildcard or macro. Every
 * string the pattern matches starts with it, which is what the policy index relies on.
 */
export function literalPrefix(pattern: string, wildCard = true): string {
  let end = pattern.indexOf(USER_MACRO);
  if (end === -1) end = pattern.length;
  if (wildCard) {
    for (const special of ['*', '?']) {
      const at = pattern.indexOf(special);
      if (at !== -1 && at < end) end = at;
    }
  }
  return pattern.slice(0, end);
}

export class Glob {
  readonly pattern: string;
  private readonly options: GlobOptions;
  private readonly tokens: Int32Array;
  /** `starTail[j]` is 1 when token j and every token after it are `*`. */
  private readonly starTail: Uint8Array;
  private readonly separator: number;
  /** Set when the pattern is plain text, or plain text followed by `*`: matching is a string comparison. */
  private readonly literal: { text: string; openEnded: boolean } | undefined;

  /** `user` replaces the `{USER}` macro; without it the macro stays literal text. */
  constructor(pattern: string, options: GlobOptions, user?: string) {
    this.pattern = pattern;
    this.options = options;
    this.tokens = tokenize(pattern, options, user);
    this.separator = options.separator.codePointAt(0)!;

    const count = this.tokens.length;
    this.starTail = new Uint8Array(count + 1);
    for (let j = count - 1; j >= 0; j--) {
      this.starTail[j] = this.tokens[j] === RUN && (j === count - 1 || this.starTail[j + 1] === 1) ? 1 : 0;
    }

    const firstWildcard = this.tokens.findIndex((token) => token < 0);
    if (firstWildcard === -1 || (this.starTail[firstWildcard] === 1 && firstWildcard === count - 1)) {
      const end = firstWildcard === -1 ? count : firstWildcard;
      const text = String.fromCodePoint(...this.tokens.subarray(0, end));
      // A lone surrogate would compare as half of a pair in a UTF-16 string comparison.
      if (text.isWellFormed()) this.literal = { text, openEnded: firstWildcard !== -1 };
    }
  }

  /** Returns true when the whole of `value` matches. */
  matches(rawValue: string): boolean {
    const value = this.options.ignoreCase ? foldCase(rawValue) : rawValue;
    const literal = this.literal;
    if (literal !== undefined) {
      if (literal.openEnded) return value.startsWith(literal.text);
      if (value === literal.text) return true;
      return this.options.recursive && value.startsWith(literal.text) && value.codePointAt(literal.text.length) === this.separator;
    }
    return this.run(value, false) === 'covers';
  }

  /** Returns true when every string that starts with `prefix` matches. */
  coversPrefix(prefix: string): boolean {
    return this.run(this.options.ignoreCase ? foldCase(prefix) : prefix, true) === 'covers';
  }

  /** Returns true when at least one string that starts with `prefix` matches. */
  touchesPrefix(prefix: string): boolean {
    return this.run(this.options.ignoreCase ? foldCase(prefix) : prefix, true) !== 'misses';
  }

  /**
   * Runs the NFA over `input`. States are token indices, and index `tokens.length` is the
   * accepting state. For a whole value (`asPrefix` false) the result is `covers` when the
   * value matches. For a prefix it is `covers` when every extension matches, and `touches`
   * when some extension does: every remaining pattern can be completed by some suffix, so a
   * prefix touches the pattern exactly when the NFA still has a live state.
   */
  private run(input: string, asPrefix: boolean): 'covers' | 'touches' | 'misses' {
    const { tokens, starTail } = this;
    const accept = tokens.length;
    let current = new Uint8Array(accept + 1);
    let next = new Uint8Array(accept + 1);
    current[0] = 1;
    close(current, tokens);

    for (const char of input) {
      if (asPrefix && hasStarTail(current, starTail, accept)) return 'covers';
      const code = char.codePointAt(0)!;
      // A recursive pattern that has matched up to a separator matches all that follows.
      if (this.options.recursive && current[accept] === 1 && code === this.separator) return 'covers';

      next.fill(0);
      let live = false;
      for (let state = 0; state < accept; state++) {
        if (current[state] === 0) continue;
        const token = tokens[state]!;
        if (token === RUN) {
          next[state] = 1;
          live = true;
        } else if (token === ONE || token === code) {
          next[state + 1] = 1;
          live = true;
        }
      }
      if (!live) return 'misses';
      close(next, tokens);
      [current, next] = [next, current];
    }

    if (!asPrefix) return current[accept] === 1 ? 'covers' : 'misses';
    if (hasStarTail(current, starTail, accept)) return 'covers';
    return current.includes(1) ? 'touches' : 'misses';
  }
}

/** Adds the states reachable by skipping `*` tokens, which may match nothing. */
function close(states: Uint8Array, tokens: Int32Array): void {
  for (let state = 0; state < tokens.length; state++) {
    if (states[state] === 1 && tokens[state] === RUN) states[state + 1] = 1;
  }
}

function hasStarTail(states: Uint8Array, starTail: Uint8Array, accept: number): boolean {
  for (let state = 0; state < accept; state++) {
    if (states[state] === 1 && starTail[state] === 1) return true;
  }
  return false;
}

function tokenize(pattern: string, options: GlobOptions, user: string | undefined): Int32Array {
  const wildCard = options.wildCard ?? true;
  const fold = (text: string): string => (options.ignoreCase ? foldCase(text) : text);
  const tokens: number[] = [];
  const pushText = (text: string): void => {
    for (const char of fold(text)) tokens.push(char.codePointAt(0)!);
  };

  let index = 0;
  while (index < pattern.length) {
    if (user !== undefined && pattern.startsWith(USER_MACRO, index)) {
      pushText(user);
      index += USER_MACRO.length;
      continue;
    }
    const char = String.fromCodePoint(pattern.codePointAt(index)!);
    index += char.length;
    if (wildCard && char === '*') tokens.push(RUN);
    else if (wildCard && char === '?') tokens.push(ONE);
    else pushText(char);
  }

  // Ranger appends `*` to a recursive value that ends with the separator, so that `home/`
  // covers `home/x` but not `home` itself.
  if (options.recursive && pattern.endsWith(options.separator)) tokens.push(RUN);
  return Int32Array.from(tokens);
}
