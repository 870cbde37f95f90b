import { rm } from 'node:fs/promises';
import t from 'tap';
import { TEST_CREDENTIALS, startTestService } from '../fixtures/service.js';
import { NOW, NOW_SECONDS, createTestKeys, signToken } from '../fixtures/tokens.js';
import { readCredentialsFromEnvironment } from '../../src/credentials/index.js';

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const policies = [
  { id: 1, name: 'all', resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } }, policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] },
];
const bob = await signToken(keys, { sub: 'bob' });

t.test('a URL never outlives its credentials', async (t) => {
  const expiration = new Date(NOW.getTime() + 20 * 60 * 1000);
  const service = await startTestService({
    keys,
    policies,
    credentials: { ...TEST_CREDENTIALS, sessionToken: 'session', expiration },
    config: { signing: { maxExpiresSeconds: 3600 } },
  });
  t.teardown(() => service.close());
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${bob}` },
    payload: { operation: 'GetObject', bucket: 'bkt', key: 'k', expiresInSeconds: 3600 },
  });
  t.equal(response.statusCode, 200);
  t.match(response.json().url, /X-Amz-Expires=1140&/, '20 minutes less the 60 s margin');
  t.equal(response.json().expiresAt, new Date((NOW_SECONDS + 1140) * 1000).toISOString(), 'the real expiry is reported');
  const audit = (await service.auditLines()).at(-1);
  t.equal(audit?.expiresAt, response.json().expiresAt);
});

t.test('expired credentials sign nothing', async (t) => {
  const service = await startTestService({ keys, policies, credentials: { ...TEST_CREDENTIALS, expiration: new Date(NOW.getTime() + 30_000) } });
  t.teardown(() => service.close());
  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503, 'within the margin counts as expired');
  const response = await service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}` }, payload: { operation: 'GetObject', bucket: 'bkt', key: 'k' } });
  t.equal(response.statusCode, 503);
  t.equal(response.json().code, 'ERR_SERVICE_NOT_READY');
  t.notOk(response.body.includes('X-Amz'));
});

t.test('credentials from the environment', async (t) => {
  const credentials = readCredentialsFromEnvironment({
    AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
    AWS_CREDENTIAL_EXPIRATION: '2026-01-02T11:00:00Z',
  });
  t.equal(credentials?.expiration?.toISOString(), '2026-01-02T11:00:00.000Z');
  t.equal(credentials?.sessionToken, 'token');
  t.throws(() => readCredentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'A' }), /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set/, 'no secret, no credentials');
  t.throws(() => readCredentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'B', AWS_CREDENTIAL_EXPIRATION: 'soon' }), /AWS_CREDENTIAL_EXPIRATION/);
});
