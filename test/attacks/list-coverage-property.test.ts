import fc from 'fast-check';
import t from 'tap';
import type { AccessRequest, PolicySet } from '../../src/policy/index.js';
import { policySet } from '../fixtures/policies.js';

// The list rule: a list is allowed only when every key that starts with the prefix would be
// allowed. This property generates small policy sets (wildcards, recursion, excludes, the
// {USER} macro, additional resources, priorities, deny items, exceptions, deny-all-else,
// ip-range conditions, bucket patterns) and, whenever a list is allowed, checks every key
// made of the prefix plus up to three more characters. Key characters include `*`, `?`,
// `.`, `/` and an astral code point.
const KEY_CHARACTERS = ['a', 'b', '/', '*', '?', '.', '😀'];
const SUFFIXES = allStrings(KEY_CHARACTERS, 3);

function allStrings(alphabet: readonly string[], maxLength: number): string[] {
  const result = [''];
  let level = [''];
  for (let length = 1; length <= maxLength; length++) {
    level = level.flatMap((text) => alphabet.map((char) => text + char));
    result.push(...level);
  }
  return result;
}

const word = (maxLength: number) => fc.array(fc.constantFrom(...KEY_CHARACTERS), { maxLength }).map((chars) => chars.join(''));
const pathValue = fc
  .array(fc.constantFrom(...KEY_CHARACTERS, '{USER}'), { maxLength: 4 })
  .map((pieces) => pieces.join(''))
  .filter((value) => !value.startsWith('/'));
const pathResource = fc.record({ values: fc.array(pathValue, { minLength: 1, maxLength: 2 }), isRecursive: fc.boolean(), isExcludes: fc.boolean() });
const ipRange = fc.constantFrom(undefined, [{ type: 'ip-range', values: ['10.0.0.0/8'] }]);
const item = fc.record({
  users: fc.constantFrom(['alice'], ['bob'], [], ['{USER}']),
  groups: fc.constantFrom([], ['public'], ['g']),
  accesses: fc.constantFrom([{ type: 'list' }], [{ type: 'read' }], [{ type: 'list', isAllowed: false }]),
  conditions: ipRange,
});
const items = fc.array(item, { maxLength: 2 });
const generatedPolicy = fc.record({
  path: pathResource,
  additionalPath: fc.option(pathResource, { nil: undefined }),
  policyPriority: fc.constantFrom(0, 1),
  isDenyAllElse: fc.boolean(),
  conditions: ipRange,
  bucket: fc.constantFrom({ values: ['bkt'] }, { values: ['b*'] }, { values: ['bk?'] }, { values: ['other'], isExcludes: true }),
  policyItems: items,
  denyPolicyItems: items,
  allowExceptions: items,
  denyExceptions: items,
});

type GeneratedPolicy = typeof generatedPolicy extends fc.Arbitrary<infer T> ? T : never;

/** Builds a policy file entry; the JSON round trip drops the absent (undefined) conditions. */
function toPolicy(generated: GeneratedPolicy, index: number): object {
  const { path, additionalPath, bucket, ...rest } = generated;
  const additionalResources = additionalPath === undefined ? undefined : [{ bucket: { values: ['bkt'] }, path: additionalPath }];
  return JSON.parse(
    JSON.stringify({ id: index + 1, name: `generated ${index + 1}`, ...rest, resources: { bucket, path }, additionalResources }),
  ) as object;
}

function firstDeniedKey(set: PolicySet, prefix: string, base: Omit<AccessRequest, 'resource'>): string | undefined {
  for (const suffix of SUFFIXES) {
    const key = prefix + suffix;
    if (!set.evaluate({ ...base, resource: { kind: 'object', bucket: 'bkt', key } }).allowed) return key;
  }
  return undefined;
}

t.test('an allowed list never hides a denied key', async (t) => {
  let allowedLists = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(generatedPolicy, { minLength: 1, maxLength: 3 }),
      word(3),
      fc.constantFrom(undefined, '10.1.1.1', '192.168.1.1'),
      fc.constantFrom([], ['g']),
      fc.constantFrom('alice', 'a*', 'a/'),
      async (generated, prefix, clientIp, groups, user) => {
        const set = await policySet(generated.map(toPolicy));
        const base = { principal: { user, groups }, accessType: 'list' as const, context: clientIp === undefined ? {} : { clientIp } };
        if (!set.evaluate({ ...base, resource: { kind: 'prefix', bucket: 'bkt', prefix } }).allowed) return true;
        allowedLists++;
        return firstDeniedKey(set, prefix, base) === undefined;
      },
    ),
    { numRuns: 10_000 },
  );
  t.ok(allowedLists > 20, `the generator produced ${allowedLists} allowed lists to check`);
});
