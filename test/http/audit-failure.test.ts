import { rm } from 'node:fs/promises';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const policies = [
  { id: 1, name: 'all', resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } }, policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] },
];
const bob = await signToken(keys, { sub: 'bob' });
const sign = (service: Awaited<ReturnType<typeof startTestService>>) =>
  service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}` }, payload: { operation: 'GetObject', bucket: 'bkt', key: 'k' } });

t.test('a blocking audit stops signing', async (t) => {
  const service = await startTestService({ keys, policies, auditDestination: '/dev/full' });
  t.teardown(() => service.close());
  for (let attempt = 1; attempt <= 3; attempt++) {
    const response = await sign(service);
    t.equal(response.statusCode, 503, `attempt ${attempt}`);
    t.equal(response.json().code, 'ERR_AUDIT_UNAVAILABLE');
    t.notOk(response.body.includes('X-Amz'), 'no URL');
  }
  const metrics = await service.app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.body, /openraz_audit_write_failures_total 1\b/, 'the one lost line is counted; later requests stop before deciding');
});

t.test('a continuing audit keeps signing and counts the loss', async (t) => {
  const service = await startTestService({ keys, policies, auditDestination: '/dev/full', config: { audit: { onFailure: 'continue' } } });
  t.teardown(() => service.close());
  t.equal((await sign(service)).statusCode, 200);
  t.equal((await sign(service)).statusCode, 200);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const metrics = await service.app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.body, /openraz_audit_write_failures_total 2\b/);
});

