/**
 * Ranger-style wildcard patterns: `*` matches any run of characters and `?` matches exactly
 * one code point, and both also match the path separator, as in Ranger's path matcher. There
 * is no escape for a literal `*` or `?`, again as in Ranger. The macro `{USER}` stands for the
 * requesting user's name, taken literally even when it contains `*` or `?`.
 *
 * A pattern is compiled twice: to a regular expression for matching whole keys, and to a
 * token list that an NFA walks to answer prefix questions for list requests.
 */

type Token = { kind: 'literal'; codePoint: string } | { kind: 'one' } | { kind: 'run' };

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

// The characters with a meaning in a `u`-mode regular expression; `-` is not one outside a class.
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

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
  private readonly user: string | undefined;
  private readonly regex: RegExp;
  /** Built on the first prefix question: most patterns only ever match whole keys. */
  private automaton: { tokens: readonly Token[]; starTail: readonly boolean[] } | undefined;

  /** `user` replaces the `{USER}` macro; without it the macro stays literal text. */
  constructor(pattern: string, options: GlobOptions, user?: string) {
    this.pattern = pattern;
    this.options = options;
    this.user = user;

    const body = tokenize(pattern, options, user)
      .map((token) => {
        if (token.kind === 'run') return '.*';
        if (token.kind === 'one') return '.';
        return token.codePoint.replace(REGEX_SPECIAL, '\\$&');
      })
      .join('');
    const separator = options.separator.replace(REGEX_SPECIAL, '\\$&');
    const below = options.recursive ? `(?:${separator}.*)?` : '';
    this.regex = new RegExp(`^${body}${below}$`, 'su');
  }

  /** Returns true when the whole of `value` matches. */
  matches(value: string): boolean {
    return this.regex.test(this.options.ignoreCase ? value.toLowerCase() : value);
  }

  /** Returns true when every string that starts with `prefix` matches. */
  coversPrefix(prefix: string): boolean {
    return this.walkPrefix(prefix) === 'covers';
  }

  /** Returns true when at least one string that starts with `prefix` matches. */
  touchesPrefix(prefix: string): boolean {
    return this.walkPrefix(prefix) !== 'misses';
  }

  /**
   * Runs the pattern's NFA over `prefix`. States are token indices, and index
   * `tokens.length` is the accepting state. Every remaining pattern can be completed by some
   * suffix, so a prefix touches the pattern exactly when the NFA still has a live state.
   */
  private walkPrefix(rawPrefix: string): 'covers' | 'touches' | 'misses' {
    const prefix = Array.from(this.options.ignoreCase ? rawPrefix.toLowerCase() : rawPrefix);
    const { tokens, starTail } = (this.automaton ??= buildAutomaton(tokenize(this.pattern, this.options, this.user)));
    const accept = tokens.length;
    let states = this.closure(new Set([0]), tokens);

    for (let i = 0; i <= prefix.length; i++) {
      if (states.size === 0) return 'misses';
      for (const state of states) {
        if (state < accept && starTail[state]) return 'covers';
      }
      if (i === prefix.length) break;

      // A recursive pattern that has matched up to a separator matches all that follows.
      const char = prefix[i]!;
      if (this.options.recursive && states.has(accept) && char === this.options.separator) {
        return 'covers';
      }
      states = this.closure(this.step(states, char, tokens), tokens);
    }
    return 'touches';
  }

  private step(states: ReadonlySet<number>, char: string, tokens: readonly Token[]): Set<number> {
    const next = new Set<number>();
    for (const state of states) {
      const token = tokens[state];
      if (token === undefined) continue;
      if (token.kind === 'run') next.add(state);
      else if (token.kind === 'one' || token.codePoint === char) next.add(state + 1);
    }
    return next;
  }

  private closure(states: Set<number>, tokens: readonly Token[]): Set<number> {
    for (const state of states) {
      // Iterating a Set visits members added during the loop, so chains of `*` close fully.
      if (tokens[state]?.kind === 'run') states.add(state + 1);
    }
    return states;
  }
}

/** `starTail[j]` is true when token j and every token after it are `*`. */
function buildAutomaton(tokens: readonly Token[]): { tokens: readonly Token[]; starTail: readonly boolean[] } {
  const starTail: boolean[] = new Array<boolean>(tokens.length + 1).fill(false);
  for (let j = tokens.length - 1; j >= 0; j--) {
    starTail[j] = tokens[j]!.kind === 'run' && (j === tokens.length - 1 || starTail[j + 1]!);
  }
  return { tokens, starTail };
}

function tokenize(pattern: string, options: GlobOptions, user: string | undefined): Token[] {
  const wildCard = options.wildCard ?? true;
  const fold = (text: string): string => (options.ignoreCase ? text.toLowerCase() : text);
  const tokens: Token[] = [];

  let index = 0;
  while (index < pattern.length) {
    if (user !== undefined && pattern.startsWith(USER_MACRO, index)) {
      for (const char of fold(user)) tokens.push({ kind: 'literal', codePoint: char });
      index += USER_MACRO.length;
      continue;
    }
    const char = String.fromCodePoint(pattern.codePointAt(index)!);
    index += char.length;
    if (wildCard && char === '*') tokens.push({ kind: 'run' });
    else if (wildCard && char === '?') tokens.push({ kind: 'one' });
    else for (const folded of fold(char)) tokens.push({ kind: 'literal', codePoint: folded });
  }

  // Ranger appends `*` to a recursive value that ends with the separator, so that `home/`
  // covers `home/x` but not `home` itself.
  if (options.recursive && pattern.endsWith(options.separator)) tokens.push({ kind: 'run' });
  return tokens;
}
