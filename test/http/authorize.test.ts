import { rm } from 'node:fs/promises';
import t from 'tap';
import { createTestKeys, signToken } from '../fixtures/tokens.js';
import { startTestService } from '../fixtures/service.js';

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const policies = [
  {
    id: 1,
    name: 'analysts read data',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
    policyItems: [{ groups: ['analysts'], accesses: [{ type: 'read' }, { type: 'list' }] }],
  },
  {
    id: 2,
    name: 'office only',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['office/'], isRecursive: true } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['10.0.0.0/8'] }] }],
  },
  {
    id: 3,
    name: 'uploads',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['up/'], isRecursive: true } },
    policyItems: [
      { users: ['bob'], accesses: [{ type: 'write' }], conditions: [{ type: 'content-types', values: ['image/*'] }, { type: 'max-object-size', values: ['1000'] }] },
    ],
  },
];

const service = await startTestService({ keys, policies, config: { server: { trustedProxies: ['127.0.0.1'] } } });
t.teardown(() => service.close());
const bob = await signToken(keys, { sub: 'bob', groups: ['analysts'] });
const admin = await signToken(keys, { sub: 'root', scope: 'openid openraz:admin' });

async function post(url: string, body: object, token = bob, headers: Record<string, string> = {}) {
  return service.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, ...headers }, payload: body });
}

t.test('authorize explains each access type', async (t) => {
  const response = await post('/v1/authorize', { bucket: 'bkt', key: 'data/x.csv', accessTypes: ['read', 'write'], as: { user: 'bob', groups: ['analysts'] } }, admin);
  t.equal(response.statusCode, 200);
  const body = response.json();
  t.equal(body.principal.user, 'bob');
  t.same(body.resource, { kind: 'object', bucket: 'bkt', key: 'data/x.csv' });
  t.equal(body.decisions.length, 2);
  t.equal(body.decisions[0].accessType, 'read');
  t.equal(body.decisions[0].decision.allowed, true);
  t.equal(body.decisions[0].decision.policyId, '1');
  t.equal(body.decisions[0].candidates[0].items[0].list, 'policyItems');
  t.equal(body.decisions[1].decision.allowed, false);
  t.equal(body.decisions[1].decision.rule, 'no-matching-policy');
  t.notOk(response.body.includes('X-Amz'), 'nothing is signed');

  const audit = await service.auditLines();
  const lines = audit.filter((line) => line.kind === 'authorize');
  t.equal(lines.length, 2, 'one audit line per access type');

  const plain = await post('/v1/authorize', { bucket: 'bkt', key: 'data/x.csv', accessTypes: ['read'] });
  const decision = plain.json().decisions[0];
  t.equal(decision.decision.allowed, true, 'a caller learns its own decision');
  t.same(decision.candidates, [], 'but not the policies behind it');
  t.equal(decision.decision.policyId, undefined);
  t.equal(decision.decision.reason, 'allowed');
});

t.test('authorize names the failing condition', async (t) => {
  const response = await post('/v1/authorize', { operation: 'GetObject', bucket: 'bkt', key: 'office/plan.txt', as: { user: 'bob' } }, admin);
  const decision = response.json().decisions[0];
  t.equal(decision.decision.allowed, false);
  t.same(decision.candidates[0].items[0].failingCondition, { type: 'ip-range', values: ['10.0.0.0/8'], result: 'false' });
});

t.test('trusted proxies supply the client address', async (t) => {
  const inside = await post('/v1/sign', { operation: 'GetObject', bucket: 'bkt', key: 'office/plan.txt' }, bob, { 'x-forwarded-for': '8.8.8.8, 10.1.2.3' });
  t.equal(inside.statusCode, 200, 'the nearest untrusted address is 10.1.2.3');
  const spoofed = await post('/v1/sign', { operation: 'GetObject', bucket: 'bkt', key: 'office/plan.txt' }, bob, { 'x-forwarded-for': '10.1.2.3, 8.8.8.8' });
  t.equal(spoofed.statusCode, 403, 'a client-written address further left is ignored');
});

t.test('as needs the admin scope', async (t) => {
  const denied = await post('/v1/authorize', { operation: 'GetObject', bucket: 'bkt', key: 'data/x', as: { user: 'carol', groups: ['analysts'] } });
  t.equal(denied.statusCode, 403);
  t.equal(denied.json().code, 'ERR_AUTH_ADMIN_SCOPE_REQUIRED');

  const allowed = await post('/v1/authorize', { operation: 'GetObject', bucket: 'bkt', key: 'data/x', as: { user: 'carol', groups: ['analysts'] } }, admin);
  t.equal(allowed.statusCode, 200);
  t.equal(allowed.json().principal.user, 'carol');
  t.equal(allowed.json().decisions[0].decision.allowed, true);
  const line = (await service.auditLines()).find((entry) => entry.user === 'carol');
  t.equal(line?.requestedBy, 'root');
  t.equal(line?.kind, 'authorize');
});

t.test('authorize rejects unclear targets', async (t) => {
  const both = await post('/v1/authorize', { bucket: 'bkt', key: 'data/x', operation: 'GetObject', accessTypes: ['read'] });
  t.equal(both.statusCode, 400);
  t.equal(both.json().code, 'ERR_REQUEST_INVALID');
  const neither = await post('/v1/authorize', { bucket: 'bkt', accessTypes: ['read'] });
  t.equal(neither.statusCode, 400);
  t.equal(neither.json().field, 'key');
  const list = await post('/v1/authorize', { bucket: 'bkt', prefix: 'data/', accessTypes: ['list'] });
  t.equal(list.json().decisions[0].decision.allowed, true);
});

t.test('upload type and size are checked and signed', async (t) => {
  const ok = await post('/v1/sign', { operation: 'PutObject', bucket: 'bkt', key: 'up/i.png', contentType: 'image/png', contentLength: 512 });
  t.equal(ok.statusCode, 200);
  t.same(ok.json().headers, { 'content-type': 'image/png', 'content-length': '512' });
  t.match(ok.json().url, /X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost/);

  const big = await post('/v1/sign', { operation: 'PutObject', bucket: 'bkt', key: 'up/i.png', contentType: 'image/png', contentLength: 5000 });
  t.equal(big.statusCode, 403, 'too large');
  const html = await post('/v1/sign', { operation: 'PutObject', bucket: 'bkt', key: 'up/i.html', contentType: 'text/html', contentLength: 10 });
  t.equal(html.statusCode, 403, 'another type');
  const undeclared = await post('/v1/sign', { operation: 'PutObject', bucket: 'bkt', key: 'up/i.png' });
  t.equal(undeclared.statusCode, 403, 'no declared type or size');
  const onGet = await post('/v1/sign', { operation: 'GetObject', bucket: 'bkt', key: 'data/x', contentType: 'image/png' });
  t.equal(onGet.statusCode, 400);
  t.equal(onGet.json().field, 'contentType');
  const badType = await post('/v1/sign', { operation: 'PutObject', bucket: 'bkt', key: 'up/i.png', contentType: 'png' });
  t.equal(badType.statusCode, 400);
  t.equal(badType.json().field, 'contentType');
});

t.test('authorize and sign agree on the default expiry', async (t) => {
  const limited = await startTestService({
    keys,
    policies: [
      {
        id: 1,
        name: 'short links',
        resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } },
        policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], conditions: [{ type: 'max-expires-seconds', values: ['600'] }] }],
      },
    ],
  });
  t.teardown(() => limited.close());
  const body = { operation: 'GetObject', bucket: 'bkt', key: 'k' };
  const sign = await limited.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}` }, payload: body });
  const explain = await limited.app.inject({ method: 'POST', url: '/v1/authorize', headers: { authorization: `Bearer ${bob}` }, payload: body });
  t.equal(explain.statusCode, 200);
  t.equal(sign.statusCode, 200);
  t.equal(explain.json().decisions[0].decision.allowed, true);
  const long = await limited.app.inject({ method: 'POST', url: '/v1/authorize', headers: { authorization: `Bearer ${bob}` }, payload: { ...body, expiresInSeconds: 900 } });
  t.equal(long.json().decisions[0].decision.allowed, false, 'a longer lifetime than the condition allows');
});

t.test('authorize checks fields with access types', async (t) => {
  const listField = await post('/v1/authorize', { bucket: 'bkt', key: 'data/x', accessTypes: ['read'], delimiter: '/' });
  t.equal(listField.statusCode, 400);
  t.equal(listField.json().field, 'delimiter');
  const badType = await post('/v1/authorize', { bucket: 'bkt', key: 'up/x', accessTypes: ['write'], contentType: 'garbage-no-slash' });
  t.equal(badType.statusCode, 400);
  t.equal(badType.json().field, 'contentType');
  const uploadOnPrefix = await post('/v1/authorize', { bucket: 'bkt', prefix: 'up/', accessTypes: ['list'], contentLength: 5 });
  t.equal(uploadOnPrefix.statusCode, 400);
  t.equal(uploadOnPrefix.json().field, 'contentLength');
});
