import fc from 'fast-check';
import t from 'tap';
import { Glob, compilePolicyFiles, type PolicySet } from '../../src/policy/index.js';

// With `policies.ignoreCase: true` a policy value is folded one code point at a time
// (Glob's tokenizer), but keys, list prefixes and the policy index's literal prefixes are
// folded as whole strings with String.prototype.toLowerCase. The two disagree where lower
// casing depends on context or changes the length:
// - Σ lower-cases to final ς at the end of a word and to σ elsewhere. The policy value
//   "ΟΔΟΣ/" folds to "οδοσ/", so it never matches the key "ΟΔΟΣ/x", which folds to "οδος/x".
//   The index files the same policy under "οδος/", which the key "οδοσ/x" does not start with.
// - İ (U+0130) lower-cases to two code points, so `?` no longer matches it.
// A deny written for those keys then denies nothing, and a list can be allowed while a key
// under its prefix is denied.
const matcher = { wildCard: true, ignoreCase: true, pathSeparatorChar: '/' };

async function denySet(path: object): Promise<PolicySet> {
  const policies = [
    {
      id: 1,
      name: 'everyone reads and lists',
      resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } },
      policyItems: [{ groups: ['public'], accesses: [{ type: 'read' }, { type: 'list' }] }],
    },
    {
      id: 2,
      name: 'nobody reads or lists the denied paths',
      resources: { bucket: { values: ['bkt'] }, path },
      denyPolicyItems: [{ groups: ['public'], accesses: [{ type: 'read' }, { type: 'list' }] }],
    },
  ];
  return compilePolicyFiles([{ name: 'policies.json', text: JSON.stringify({ policies }) }], { matcher });
}

const principal = { user: 'mallory', groups: [] };
const read = (set: PolicySet, key: string) => set.evaluate({ principal, accessType: 'read', resource: { kind: 'object', bucket: 'bkt', key } }).allowed;
const list = (set: PolicySet, prefix: string) => set.evaluate({ principal, accessType: 'list', resource: { kind: 'prefix', bucket: 'bkt', prefix } }).allowed;

t.test('ASCII case variants are denied', async (t) => {
  const set = await denySet({ values: ['secret/'], isRecursive: true });
  for (const key of ['secret/x', 'SECRET/x', 'Secret/x']) t.equal(read(set, key), false, key);
});

t.test('final sigma in a policy value', async (t) => {
  const set = await denySet({ values: ['ΟΔΟΣ/'], isRecursive: true });
  for (const key of ['ΟΔΟΣ/x', 'οδοσ/x', 'οδος/x', 'Οδος/x']) t.equal(read(set, key), false, `read ${key}`);
  t.equal(list(set, 'ΟΔΟΣ/'), false, 'list ΟΔΟΣ/');
  t.equal(list(set, ''), false, 'list the whole bucket');
});

t.test('sigma before a wildcard', async (t) => {
  const set = await denySet({ values: ['ΟΔΟΣ*'] });
  for (const key of ['ΟΔΟΣ', 'ΟΔΟΣΑ', 'οδοσα']) t.equal(read(set, key), false, `read ${key}`);
});

t.test('list rule with sigma', async (t) => {
  const set = await denySet({ values: ['aσ*'] });
  t.equal(read(set, 'aΣa'), false, 'aΣa is denied');
  t.equal(list(set, 'aΣ'), false, 'so the prefix aΣ, which aΣa starts with, is not listable');
});

t.test('question mark and dotted capital I', async (t) => {
  const set = await denySet({ values: ['a/?'] });
  for (const key of ['a/i', 'a/I', 'a/İ']) t.equal(read(set, key), false, `read ${key}`);
});

t.test('ignoring case only widens matches', async (t) => {
  // Whatever matches case-sensitively must still match when case is ignored.
  const letters = fc.constantFrom('a', 'A', 'Σ', 'σ', 'ς', 'İ', 'i', 'I', 'ß', '/', '*', '?');
  const text = fc.array(letters, { maxLength: 5 }).map((chars) => chars.join(''));
  const options = (ignoreCase: boolean) => ({ recursive: false, ignoreCase, separator: '/' });
  const counterexample = fc.check(
    fc.property(text, text, (pattern, key) => !new Glob(pattern, options(false)).matches(key) || new Glob(pattern, options(true)).matches(key)),
    { numRuns: 20_000 },
  ).counterexample;
  t.same(counterexample, null, 'no pattern and key match only when case is respected');
});
