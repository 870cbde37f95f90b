import t from 'tap';
import type { AccessRequest, AccessType, PolicySet } from '../../src/policy/index.js';
import { policy, policySet } from '../fixtures/policies.js';

function object(user: string, groups: string[], accessType: AccessType, key: string): AccessRequest {
  return { principal: { user, groups }, accessType, resource: { kind: 'object', bucket: 'bkt', key } };
}

function list(user: string, groups: string[], prefix: string): AccessRequest {
  return { principal: { user, groups }, accessType: 'list', resource: { kind: 'prefix', bucket: 'bkt', prefix } };
}

function allowed(set: PolicySet, request: AccessRequest): boolean {
  return set.evaluate(request).allowed;
}

t.test('default is deny', async (t) => {
  const set = await policySet([policy(1, { values: ['a/'], isRecursive: true }, { policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] })]);
  const decision = set.evaluate(object('bob', [], 'read', 'b/x'));
  t.equal(decision.allowed, false);
  t.equal(decision.rule, 'no-matching-policy');
  t.equal(decision.policyId, undefined);
  t.equal(allowed(set, object('bob', [], 'write', 'a/x')), false, 'an access type nobody granted');
  t.equal(allowed(set, object('eve', [], 'read', 'a/x')), false, 'a user nobody named');
});

t.test('sibling prefixes and list prefixes', async (t) => {
  const set = await policySet([
    policy(1, { values: ['team/a'], isRecursive: true }, { policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }, { type: 'list' }] }] }),
  ]);
  t.equal(allowed(set, object('bob', [], 'read', 'team/a/x')), true, 'GET team/a/x');
  t.equal(allowed(set, object('bob', [], 'read', 'team/a')), true, 'GET team/a');
  t.equal(allowed(set, object('bob', [], 'read', 'team/ab/x')), false, 'GET team/ab/x');
  t.equal(allowed(set, list('bob', [], 'team/a/')), true, 'LIST team/a/');
  t.equal(allowed(set, list('bob', [], 'team/a')), false, 'LIST team/a also lists team/ab');
  t.equal(allowed(set, list('bob', [], '')), false, 'LIST of the whole bucket');
  t.equal(allowed(set, list('bob', [], 'team/')), false, 'LIST team/');
});

t.test('deny beats allow in any policy order', async (t) => {
  const allowAnalysts = policy(1, { values: ['data/'], isRecursive: true }, { policyItems: [{ groups: ['analysts'], accesses: [{ type: 'read' }] }] });
  const denyBob = policy(2, { values: ['data/hr/'], isRecursive: true }, { denyPolicyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] });
  for (const order of [[allowAnalysts, denyBob], [denyBob, allowAnalysts]]) {
    const set = await policySet(order);
    const hr = set.evaluate(object('bob', ['analysts'], 'read', 'data/hr/p.csv'));
    t.equal(hr.allowed, false, 'bob reads data/hr/p.csv');
    t.equal(hr.policyId, '2');
    t.equal(hr.rule, 'deny-item');
    t.equal(allowed(set, object('bob', ['analysts'], 'read', 'data/x')), true, 'bob reads data/x');
    t.equal(allowed(set, object('carol', ['analysts'], 'read', 'data/hr/p.csv')), true, 'carol reads data/hr/p.csv');
  }
});

t.test('a deny that touches a list prefix denies the list', async (t) => {
  const set = await policySet([
    policy(1, { values: ['data/'], isRecursive: true }, { policyItems: [{ groups: ['analysts'], accesses: [{ type: 'list' }] }] }),
    policy(2, { values: ['data/hr/'], isRecursive: true }, { denyPolicyItems: [{ users: ['bob'], accesses: [{ type: 'list' }] }] }),
  ]);
  t.equal(allowed(set, list('bob', ['analysts'], 'data/')), false, 'data/ contains data/hr/');
  t.equal(allowed(set, list('bob', ['analysts'], 'data/pub/')), true, 'data/pub/ does not');
  t.equal(allowed(set, list('carol', ['analysts'], 'data/')), true, 'the deny names only bob');
});

t.test('exceptions cancel but never grant', async (t) => {
  const set = await policySet([
    policy(
      1,
      { values: ['x/'], isRecursive: true },
      {
        policyItems: [{ groups: ['public'], accesses: [{ type: 'read' }] }],
        allowExceptions: [{ users: ['eve'], accesses: [{ type: 'read' }] }],
        denyPolicyItems: [{ groups: ['contractors'], accesses: [{ type: 'read' }] }],
        denyExceptions: [{ users: ['dan'], accesses: [{ type: 'read' }] }],
      },
    ),
  ]);
  t.equal(allowed(set, object('anyone', [], 'read', 'x/1')), true, 'public group allows everyone');
  t.equal(allowed(set, object('eve', [], 'read', 'x/1')), false, 'allow exception cancels');
  t.equal(allowed(set, object('carl', ['contractors'], 'read', 'x/1')), false, 'deny item');
  t.equal(allowed(set, object('dan', ['contractors'], 'read', 'x/1')), true, 'deny exception cancels, then the allow item applies');
  t.equal(allowed(set, object('eve', [], 'write', 'x/1')), false, 'exceptions grant nothing');
});

t.test('override priority and deny-all-else', async (t) => {
  const set = await policySet([
    policy(1, { values: ['p/'], isRecursive: true }, { denyPolicyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] }),
    policy(2, { values: ['p/'], isRecursive: true }, { policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] }, { policyPriority: 1 }),
    policy(3, { values: ['q/'], isRecursive: true }, { policyItems: [{ users: ['ann'], accesses: [{ type: 'read' }] }] }, { isDenyAllElse: true }),
    policy(4, { values: ['q/'], isRecursive: true }, { policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] }),
  ]);
  const override = set.evaluate(object('bob', [], 'read', 'p/1'));
  t.equal(override.allowed, true, 'an override allow beats a normal deny');
  t.equal(override.policyId, '2');
  const denyAllElse = set.evaluate(object('bob', [], 'read', 'q/1'));
  t.equal(denyAllElse.allowed, false, 'deny-all-else beats another policy allow at equal priority');
  t.equal(denyAllElse.rule, 'deny-all-else');
  t.equal(allowed(set, object('ann', [], 'read', 'q/1')), true, 'ann is allowed by the deny-all-else policy itself');
});

t.test('disabled policies and isAllowed false grant nothing', async (t) => {
  const set = await policySet([
    policy(1, { values: ['*'] }, { policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] }, { isEnabled: false }),
    policy(2, { values: ['*'] }, { policyItems: [{ users: ['bob'], accesses: [{ type: 'write', isAllowed: false }] }] }),
  ]);
  t.equal(allowed(set, object('bob', [], 'read', 'k')), false);
  t.equal(allowed(set, object('bob', [], 'write', 'k')), false);
  t.equal(set.info.policyCount, 1);
});

t.test('bucket wildcards and excludes', async (t) => {
  const set = await policySet([
    {
      id: 1,
      name: 'logs buckets',
      resources: { bucket: { values: ['logs-*'] }, path: { values: ['*'] } },
      policyItems: [{ users: ['ops'], accesses: [{ type: 'read' }, { type: 'list' }] }],
    },
    {
      id: 2,
      name: 'all but secret',
      resources: { bucket: { values: ['secret'], isExcludes: true }, path: { values: ['pub/'], isRecursive: true } },
      policyItems: [{ users: ['ann'], accesses: [{ type: 'read' }] }],
    },
  ]);
  const read = (user: string, bucket: string, key: string) =>
    set.evaluate({ principal: { user, groups: [] }, accessType: 'read', resource: { kind: 'object', bucket, key } }).allowed;
  t.equal(read('ops', 'logs-eu', 'a/b'), true);
  t.equal(read('ops', 'logsx', 'a/b'), false);
  t.equal(set.evaluate({ principal: { user: 'ops', groups: [] }, accessType: 'list', resource: { kind: 'prefix', bucket: 'logs-eu', prefix: '' } }).allowed, true, 'path * covers the empty prefix');
  t.equal(read('ann', 'public', 'pub/x'), true);
  t.equal(read('ann', 'secret', 'pub/x'), false);
});

t.test('path excludes', async (t) => {
  const set = await policySet([
    policy(1, { values: ['private/'], isRecursive: true, isExcludes: true }, { policyItems: [{ users: ['ann'], accesses: [{ type: 'read' }, { type: 'list' }] }] }),
  ]);
  t.equal(allowed(set, object('ann', [], 'read', 'public/x')), true);
  t.equal(allowed(set, object('ann', [], 'read', 'private/x')), false);
  t.equal(allowed(set, list('ann', [], 'public/')), true, 'no key under public/ is excluded');
  t.equal(allowed(set, list('ann', [], '')), false, 'the whole bucket includes private/');
});

t.test('conditions fail closed when the attribute is missing', async (t) => {
  const set = await policySet([
    policy(1, { values: ['data/'], isRecursive: true }, { policyItems: [{ groups: ['analysts'], accesses: [{ type: 'read' }] }] }),
    policy(2, { values: ['data/'], isRecursive: true }, {
      denyPolicyItems: [{ users: ['carol'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['203.0.113.0/24', '10.1.*'] }] }],
    }),
    policy(3, { values: ['office/'], isRecursive: true }, {
      policyItems: [{ users: ['dave'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['10.0.0.0/8', '2001:db8::/32'] }] }],
    }),
  ]);
  const read = (user: string, key: string, clientIp?: string) =>
    set.evaluate({ principal: { user, groups: ['analysts'] }, accessType: 'read', resource: { kind: 'object', bucket: 'bkt', key }, context: clientIp === undefined ? {} : { clientIp } }).allowed;

  t.equal(read('carol', 'data/x'), false, 'no client IP: the deny holds');
  t.equal(read('carol', 'data/x', '203.0.113.9'), false, 'inside the denied range');
  t.equal(read('carol', 'data/x', '10.1.200.3'), false, 'inside the wildcard range');
  t.equal(read('carol', 'data/x', '::ffff:10.1.0.1'), false, 'an IPv4-mapped address');
  t.equal(read('carol', 'data/x', '198.51.100.1'), true, 'outside the denied ranges');
  t.equal(read('dave', 'office/a'), false, 'no client IP: the allow does not apply');
  t.equal(read('dave', 'office/a', '10.2.3.4'), true, 'inside the allowed range');
  t.equal(read('dave', 'office/a', '2001:db8::1'), true, 'IPv6 inside the allowed range');
  t.equal(read('dave', 'office/a', '192.0.2.1'), false, 'outside the allowed range');
});

t.test('policy-level conditions', async (t) => {
  const set = await policySet([
    policy(
      1,
      { values: ['lab/'], isRecursive: true },
      {
        policyItems: [{ users: ['erin'], accesses: [{ type: 'read' }] }],
        denyPolicyItems: [{ users: ['frank'], accesses: [{ type: 'read' }] }],
      },
      { conditions: [{ type: 'ip-range', values: ['10.0.0.0/8'] }] },
    ),
    policy(2, { values: ['lab/'], isRecursive: true }, { policyItems: [{ users: ['frank'], accesses: [{ type: 'read' }] }] }),
  ]);
  const read = (user: string, clientIp?: string) =>
    set.evaluate({ principal: { user, groups: [] }, accessType: 'read', resource: { kind: 'object', bucket: 'bkt', key: 'lab/x' }, context: clientIp === undefined ? {} : { clientIp } }).allowed;
  t.equal(read('erin', '10.0.0.1'), true);
  t.equal(read('erin', '192.0.2.1'), false, 'the policy does not apply outside the range');
  t.equal(read('erin'), false, 'no IP: the allow part does not apply');
  t.equal(read('frank', '10.0.0.1'), false, 'the deny applies inside the range');
  t.equal(read('frank', '192.0.2.1'), true, 'outside the range the other policy allows');
  t.equal(read('frank'), false, 'no IP: the deny part still applies');
});

t.test('leading slash keys are other keys', async (t) => {
  const set = await policySet([
    policy(1, { values: ['x/'], isRecursive: true }, { policyItems: [{ users: ['ann'], accesses: [{ type: 'read' }, { type: 'write' }] }] }),
  ]);
  for (const key of ['x/100% done', 'x/a%20b', 'x/a%2Fb', 'x/dir/']) {
    t.equal(allowed(set, object('ann', [], 'write', key)), true, key);
  }
  t.equal(allowed(set, object('ann', [], 'read', '/x/y')), false, '/x/y is not under x/');
  t.equal(allowed(set, object('ann', [], 'read', 'x')), false, 'x itself is not under x/');
});
