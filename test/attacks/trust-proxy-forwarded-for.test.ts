import { rm } from 'node:fs/promises';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// X-Forwarded-For is a list that every proxy appends to, so its leftmost entries are whatever
// the client wrote. `ip-range` conditions and the audit `clientIp` must use the address that
// the last trusted proxy saw. Before `server.trustedProxies` (a list of proxy addresses)
// replaced `server.trustProxy: true`, Fastify trusted every hop and took the leftmost entry.
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const policies = [
  {
    id: 1,
    name: 'internal reports only from the office network',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['internal/'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['10.0.0.0/8'] }] }],
  },
  {
    id: 2,
    name: 'public reports, except from a blocked network',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['public/'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }] }],
    denyPolicyItems: [{ users: ['alice'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['203.0.113.0/24'] }] }],
  },
];

// The client is at 203.0.113.7, and the reverse proxy at 127.0.0.1 appended that address.
const PROXY_ADDRESS = '127.0.0.1';
const CLIENT_ADDRESS = '203.0.113.7';
const SPOOFED_ADDRESS = '10.1.2.3';

const service = await startTestService({ keys, policies, config: { server: { trustedProxies: [PROXY_ADDRESS] } } });
t.teardown(() => service.close());

t.test('spoofed X-Forwarded-For is not the client IP', async (t) => {
  const token = await signToken(keys, { sub: 'alice' });
  const sign = (key: string) =>
    service.app.inject({
      method: 'POST',
      url: '/v1/sign',
      remoteAddress: PROXY_ADDRESS,
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': `${SPOOFED_ADDRESS}, ${CLIENT_ADDRESS}` },
      payload: { operation: 'GetObject', bucket: 'bkt', key },
    });

  const internal = await sign('internal/q1.pdf');
  t.equal(internal.statusCode, 403, 'an allow limited to 10.0.0.0/8 does not apply to a client at 203.0.113.7');

  const blocked = await sign('public/q1.pdf');
  t.equal(blocked.statusCode, 403, 'a deny for 203.0.113.0/24 applies even with a spoofed leftmost entry');

  const audit = await service.auditLines();
  t.same(
    audit.map((line) => line.clientIp),
    [CLIENT_ADDRESS, CLIENT_ADDRESS],
    'the audit records the address the proxy saw',
  );
});

t.test('forwarded addresses only from a trusted proxy', async (t) => {
  const token = await signToken(keys, { sub: 'alice' });
  const sign = (remoteAddress: string, forwardedFor: string) =>
    service.app.inject({
      method: 'POST',
      url: '/v1/sign',
      remoteAddress,
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': forwardedFor },
      payload: { operation: 'GetObject', bucket: 'bkt', key: 'internal/q1.pdf' },
    });

  const viaProxy = await sign(PROXY_ADDRESS, SPOOFED_ADDRESS);
  t.equal(viaProxy.statusCode, 200, 'an office client behind the trusted proxy is allowed');

  const direct = await sign('198.51.100.9', SPOOFED_ADDRESS);
  t.equal(direct.statusCode, 403, 'a client that connects directly cannot claim an address');
});
