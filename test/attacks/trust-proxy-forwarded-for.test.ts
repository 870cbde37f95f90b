import { rm } from 'node:fs/promises';
import t from 'tap';
import { LoadError } from '../../src/errors/index.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// With `server.trustProxy: true` Fastify trusts every hop of X-Forwarded-For and takes the
// leftmost address as the client IP. A proxy appends the address it saw, so the leftmost entry
// is whatever the client sent. `ip-range` conditions and the audit `clientIp` must use the
// address the trusted proxy saw, never one the client wrote.
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

// The client is at 203.0.113.7; the reverse proxy at 127.0.0.1 appended that address.
const PROXY_ADDRESS = '127.0.0.1';
const CLIENT_ADDRESS = '203.0.113.7';
const SPOOFED_ADDRESS = '10.1.2.3';

let service: TestService | undefined;
try {
  service = await startTestService({ keys, policies, config: { server: { trustProxy: true } } });
} catch (error) {
  // Replacing the boolean with a hop count or a list of proxy addresses is one valid fix.
  if (!(error instanceof LoadError)) throw error;
}

t.test('spoofed X-Forwarded-For is not the client IP', async (t) => {
  if (service === undefined) {
    t.pass('trustProxy: true is rejected at load, so no blanket trust of every hop is possible');
    return;
  }
  const running = service;
  t.teardown(() => running.close());
  const token = await signToken(keys, { sub: 'alice' });
  const sign = (key: string) =>
    running.app.inject({
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

  const audit = await running.auditLines();
  t.same(
    audit.map((line) => line.clientIp),
    [CLIENT_ADDRESS, CLIENT_ADDRESS],
    'the audit records the address the proxy saw',
  );
});
