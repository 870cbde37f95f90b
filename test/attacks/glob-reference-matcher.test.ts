import fc from 'fast-check';
import t from 'tap';
import { Glob } from '../../src/policy/index.js';

// Glob compiles policy values to regular expressions. This property compares it with a plain
// dynamic-programming matcher over code points on patterns and keys full of regex syntax
// ('.', '(', '[', '\\', '$', '^', '|', '+', '{'), line terminators, combining marks, 'İ',
// surrogate pairs and lone surrogates: `?` must match exactly one code point and every other
// character only itself.
function referenceMatch(pattern: string, value: string, recursive: boolean): boolean {
  const tokens = Array.from(pattern);
  if (recursive && pattern.endsWith('/')) tokens.push('*');
  const chars = Array.from(value);
  const memo = new Map<number, boolean>();

  const matchFrom = (tokenIndex: number, charIndex: number): boolean => {
    const memoKey = tokenIndex * (chars.length + 1) + charIndex;
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    let result: boolean;
    if (tokenIndex === tokens.length) {
      result = charIndex === chars.length || (recursive && chars[charIndex] === '/');
    } else if (tokens[tokenIndex] === '*') {
      result = matchFrom(tokenIndex + 1, charIndex) || (charIndex < chars.length && matchFrom(tokenIndex, charIndex + 1));
    } else if (charIndex === chars.length) {
      result = false;
    } else {
      result = (tokens[tokenIndex] === '?' || tokens[tokenIndex] === chars[charIndex]) && matchFrom(tokenIndex + 1, charIndex + 1);
    }
    memo.set(memoKey, result);
    return result;
  };
  return matchFrom(0, 0);
}

/** Replaces a wildcard with text it matches: `*` with the filler, `?` with one code point. */
function instantiate(char: string, filler: string): string {
  if (char === '*') return filler;
  if (char === '?') return Array.from(filler)[0] ?? 'x';
  return char;
}

const SPECIAL = ['*', '?', '/', '.', '\\', '(', ')', '[', ']', '^', '$', '|', '+', '{', '}', '-', '\n', '\u2028', 'İ', 'i', 'é', 'e\u0301', '😀', '\uD83D', '\uDE00'];
const piece = fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', maxLength: 1 }));
const text = fc.array(piece, { maxLength: 6 }).map((pieces) => pieces.join(''));

t.test('regex matching equals the reference', async (t) => {
  fc.assert(
    fc.property(text, text, fc.boolean(), (pattern, value, recursive) => {
      const glob = new Glob(pattern, { recursive, ignoreCase: false, separator: '/' });
      return glob.matches(value) === referenceMatch(pattern, value, recursive);
    }),
    { numRuns: 50_000 },
  );
  t.pass('50000 random patterns and keys agree');
});

t.test('instantiated patterns match like the reference', async (t) => {
  // Keys built from the pattern itself, so that most of them match.
  fc.assert(
    fc.property(text, text, fc.boolean(), (pattern, filler, recursive) => {
      const value = Array.from(pattern, (char) => instantiate(char, filler)).join('');
      const glob = new Glob(pattern, { recursive, ignoreCase: false, separator: '/' });
      return glob.matches(value) === referenceMatch(pattern, value, recursive);
    }),
    { numRuns: 50_000 },
  );
  t.pass('50000 instantiated patterns agree');
});

t.test('question mark is one code point', async (t) => {
  const glob = new Glob('a/?', { recursive: false, ignoreCase: false, separator: '/' });
  t.equal(glob.matches('a/😀'), true, 'a surrogate pair is one character');
  t.equal(glob.matches('a/e\u0301'), false, 'e plus a combining accent is two');
  t.equal(glob.matches('a/\n'), true, 'a line feed is a character like any other');
});
