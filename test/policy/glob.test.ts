import fc from 'fast-check';
import t from 'tap';
import { Glob } from '../../src/policy/index.js';

const options = (recursive: boolean) => ({ recursive, ignoreCase: false, separator: '/' });

t.test('non-recursive matching', async (t) => {
  const cases: [pattern: string, value: string, expected: boolean][] = [
    ['a/b.txt', 'a/b.txt', true],
    ['a/b.txt', 'a/b.txtx', false],
    ['a/*', 'a/b/c', true], // Ranger: `*` also matches the separator
    ['a/?', 'a/b', true],
    ['a/?', 'a/bc', false],
    ['*', '', true],
    ['home/', 'home', false],
    ['x.y', 'xzy', false], // `.` is literal
    ['a+b', 'a+b', true],
  ];
  for (const [pattern, value, expected] of cases) {
    t.equal(new Glob(pattern, options(false)).matches(value), expected, `${pattern} ~ ${value}`);
  }
});

t.test('recursive matching keeps segment boundaries', async (t) => {
  const cases: [pattern: string, value: string, expected: boolean][] = [
    ['team/a', 'team/a', true],
    ['team/a', 'team/a/x', true],
    ['team/a', 'team/ab', false],
    ['team/a', 'team/ab/x', false],
    ['team/a/', 'team/a/x', true],
    ['team/a/', 'team/a', false],
    ['data/*/raw', 'data/2026/raw/f.csv', true],
    ['data/*/raw', 'data/2026/rawx', false],
  ];
  for (const [pattern, value, expected] of cases) {
    t.equal(new Glob(pattern, options(true)).matches(value), expected, `${pattern} ~ ${value}`);
  }
});

t.test('prefix coverage for list requests', async (t) => {
  const cases: [pattern: string, recursive: boolean, prefix: string, covers: boolean, touches: boolean][] = [
    ['team/a', true, 'team/a/', true, true],
    ['team/a', true, 'team/a', false, true],
    ['team/a', true, 'team/', false, true],
    ['team/a', true, '', false, true],
    ['team/a', true, 'team/b', false, false],
    ['team/a/', true, 'team/a/x/', true, true],
    ['*', false, '', true, true],
    ['logs/*', false, 'logs/', true, true],
    ['logs/*.gz', false, 'logs/', false, true],
    ['logs/*.gz', false, 'other/', false, false],
    ['a/b', false, 'a/b', false, true],
    ['a/b', false, 'a/c', false, false],
  ];
  for (const [pattern, recursive, prefix, covers, touches] of cases) {
    const glob = new Glob(pattern, options(recursive));
    t.equal(glob.coversPrefix(prefix), covers, `${pattern} covers "${prefix}"`);
    t.equal(glob.touchesPrefix(prefix), touches, `${pattern} touches "${prefix}"`);
  }
});

t.test('prefix answers agree with matching', async (t) => {
  const alphabet = fc.constantFrom('a', 'b', '/', '*', '?', '-', '.', '(', '\\', 'é');
  const text = fc.constantFrom('a', 'b', '/', '-', '.', '(', '\\', 'é');
  const pattern = fc.array(alphabet, { maxLength: 6 }).map((chars) => chars.join(''));
  const word = fc.array(text, { maxLength: 6 }).map((chars) => chars.join(''));

  fc.assert(
    fc.property(pattern, fc.boolean(), word, word, (source, recursive, prefix, suffix) => {
      const glob = new Glob(source, options(recursive));
      const matched = glob.matches(prefix + suffix);
      // Covering the prefix means every extension matches; not touching means none does.
      if (glob.coversPrefix(prefix)) return matched;
      if (!glob.touchesPrefix(prefix)) return !matched;
      return true;
    }),
    { numRuns: 5000 },
  );
  t.pass('5000 generated patterns and prefixes agree');
});
