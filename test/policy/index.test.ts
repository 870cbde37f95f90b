import fc from 'fast-check';
import t from 'tap';
import { decide } from '../../src/policy/evaluate.js';
import { compilePolicyFiles, type AccessRequest } from '../../src/policy/index.js';

// The index only narrows the candidates; it must never change a decision. This test compares
// each indexed decision with the evaluation of every enabled policy, in the same order.

const segment = fc.constantFrom('a', 'b', 'ab', 'a.b', '');
const pathValue = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 3 }), fc.constantFrom('', '*', '?', '/', '/*', '{USER}'))
  .map(([segments, tail]) => segments.join('/') + tail)
  .filter((value) => !value.startsWith('/'));
const bucketValue = fc.constantFrom('b1', 'b2', 'b*', '*');
const item = fc.record({
  users: fc.subarray(['u1', 'u2', '{USER}']),
  groups: fc.subarray(['g1', 'public']),
  accesses: fc.subarray(['read', 'list'], { minLength: 1 }).map((types) => types.map((type) => ({ type }))),
});
const policy = fc.record({
  bucket: fc.array(bucketValue, { minLength: 1, maxLength: 2 }),
  path: fc.array(pathValue, { minLength: 1, maxLength: 2 }),
  isRecursive: fc.boolean(),
  isExcludes: fc.boolean(),
  allow: fc.array(item, { maxLength: 2 }),
  deny: fc.array(item, { maxLength: 1 }),
  priority: fc.constantFrom(0, 0, 1),
  isDenyAllElse: fc.boolean(),
});
const request = fc.record({
  user: fc.constantFrom('u1', 'u2', 'u3'),
  groups: fc.subarray(['g1', 'g2']),
  bucket: fc.constantFrom('b1', 'b2', 'c'),
  path: fc.array(segment, { maxLength: 4 }).map((segments) => segments.join('/')),
  list: fc.boolean(),
});

type GeneratedPolicy = typeof policy extends fc.Arbitrary<infer T> ? T : never;

function toRanger(generated: GeneratedPolicy, index: number, bucketOverride?: string[]): object {
  return {
    id: index + 1,
    name: `p${index + 1}`,
    policyPriority: generated.priority,
    isDenyAllElse: generated.isDenyAllElse,
    resources: {
      bucket: { values: bucketOverride ?? generated.bucket },
      path: { values: generated.path, isRecursive: generated.isRecursive, isExcludes: generated.isExcludes },
    },
    policyItems: generated.allow,
    denyPolicyItems: generated.deny,
  };
}

t.test('indexed decisions equal unindexed ones', async (t) => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(policy, { minLength: 1, maxLength: 6 }), fc.array(request, { minLength: 1, maxLength: 8 }), async (policies, requests) => {
      const indexed = await compilePolicyFiles([{ name: 'p.json', text: JSON.stringify({ policies: policies.map((p, i) => toRanger(p, i)) }) }]);
      for (const generated of requests) {
        const accessRequest: AccessRequest = {
          principal: { user: generated.user, groups: generated.groups },
          accessType: generated.list ? 'list' : 'read',
          resource: generated.list
            ? { kind: 'prefix', bucket: generated.bucket, prefix: generated.path }
            : { kind: 'object', bucket: generated.bucket, key: generated.path },
        };
        const actual = indexed.evaluate(accessRequest);
        const roles = indexed.roles.rolesOf(generated.user, generated.groups);
        const expected = decide(indexed.policies, { ...accessRequest, roles });
        checked++;
        if (actual.allowed !== expected.allowed || actual.policyId !== expected.policyId) return false;
      }
      return true;
    }),
    { numRuns: 400 },
  );
  t.ok(checked > 400, `${checked} generated requests agree`);
});
