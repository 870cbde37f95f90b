import { rm } from 'node:fs/promises';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// The README's example denies bob with the condition `ip-range 0.0.0.0/0`, meaning "from
// anywhere". An IPv6 client is outside every IPv4 block, so the condition is false and the
// deny item does not apply: bob reads over IPv6 what he may not read over IPv4. A range list
// of one address family cannot judge an address of the other family, so the result should be
// unknown. A deny item then still applies, as it already does when the address is missing.
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const service = await startTestService({
  keys,
  policies: [
    {
      id: 1,
      name: 'analysts read reports',
      resources: { bucket: { values: ['reports'] }, path: { values: ['2026/'], isRecursive: true } },
      policyItems: [{ groups: ['analysts'], accesses: [{ type: 'read' }, { type: 'list' }] }],
      denyPolicyItems: [
        { users: ['bob'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['0.0.0.0/0'] }] },
      ],
    },
  ],
});
t.teardown(() => service.close());

async function readAs(user: string, remoteAddress: string): Promise<number> {
  const token = await signToken(keys, { sub: user, groups: ['analysts'] });
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    remoteAddress,
    headers: { authorization: `Bearer ${token}` },
    payload: { operation: 'GetObject', bucket: 'reports', key: '2026/q1.csv' },
  });
  return response.statusCode;
}

t.test('IPv4 clients', async (t) => {
  t.equal(await readAs('bob', '192.0.2.10'), 403, 'bob is denied over IPv4');
  t.equal(await readAs('bob', '::ffff:192.0.2.10'), 403, 'bob is denied over an IPv4-mapped address');
  t.equal(await readAs('carol', '192.0.2.10'), 200, 'carol, another analyst, is allowed');
});

t.test('IPv6 clients', async (t) => {
  t.equal(await readAs('bob', '2001:db8::10'), 403, 'bob is denied over IPv6');
  t.equal(await readAs('bob', '::1'), 403, 'bob is denied over IPv6 loopback');
  t.equal(await readAs('carol', '2001:db8::10'), 200, 'carol is allowed over IPv6');
});
