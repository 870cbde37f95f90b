import { rm } from 'node:fs/promises';
import t from 'tap';
import { ISSUER, NOW_SECONDS, createTestKeys, signToken } from '../fixtures/tokens.js';
import { TEST_CREDENTIALS, startTestService } from '../fixtures/service.js';

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
    name: 'no hr for bob',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['data/hr/'], isRecursive: true } },
    denyPolicyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }],
  },
];

const service = await startTestService({ keys, policies });
t.teardown(() => service.close());
const bob = await signToken(keys, { sub: 'bob', groups: ['analysts'], jti: 'token-7' });

async function sign(body: unknown, token: string | null = bob, headers: Record<string, string> = {}) {
  return service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    payload: body as object,
  });
}

t.test('allowed request returns a URL', async (t) => {
  const response = await sign({ operation: 'GetObject', bucket: 'bkt', key: 'data/x.csv', expiresInSeconds: 120 });
  t.equal(response.statusCode, 200);
  const body = response.json();
  t.equal(body.method, 'GET');
  t.match(body.url, /^http:\/\/127\.0\.0\.1:7480\/bkt\/data\/x\.csv\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
  t.match(body.url, /X-Amz-Expires=120/);
  t.same(body.headers, {});
  t.equal(body.expiresAt, new Date((NOW_SECONDS + 120) * 1000).toISOString());
  t.equal(body.policyId, '1');
  t.match(body.decisionId, /^[0-9a-f-]{36}$/);
  t.equal(response.headers['cache-control'], 'no-store');
  t.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

t.test('default expiry', async (t) => {
  const response = await sign({ operation: 'HeadObject', bucket: 'bkt', key: 'data/x.csv' });
  t.equal(response.statusCode, 200);
  t.match(response.json().url, /X-Amz-Expires=300/);
  t.equal(response.json().method, 'HEAD');
});

t.test('denied request gets no URL', async (t) => {
  const response = await sign({ operation: 'GetObject', bucket: 'bkt', key: 'data/hr/pay.csv' });
  t.equal(response.statusCode, 403);
  const body = response.json();
  t.equal(body.code, 'ERR_ACCESS_DENIED');
  t.notOk('url' in body);
  t.notOk(response.body.includes('X-Amz'), 'nothing signed in the body');
  t.notOk(response.body.includes('no hr for bob'), 'other policies are not named');
  t.match(body.decisionId, /^[0-9a-f-]{36}$/);

  const write = await sign({ operation: 'PutObject', bucket: 'bkt', key: 'data/new.csv' });
  t.equal(write.statusCode, 403, 'read access does not grant write');
  const list = await sign({ operation: 'ListObjectsV2', bucket: 'bkt', prefix: 'data' });
  t.equal(list.statusCode, 403, 'prefix data also lists data-archive');
  const listAll = await sign({ operation: 'ListObjectsV2', bucket: 'bkt' });
  t.equal(listAll.statusCode, 403, 'no prefix lists the whole bucket');
});

t.test('list signs every parameter', async (t) => {
  const response = await sign({ operation: 'ListObjectsV2', bucket: 'bkt', prefix: 'data/', delimiter: '/', maxKeys: 10 });
  t.equal(response.statusCode, 200);
  const url: string = response.json().url;
  t.match(url, /^http:\/\/127\.0\.0\.1:7480\/bkt\?/);
  t.match(url, /&prefix=data%2F/);
  t.match(url, /delimiter=%2F/);
  t.match(url, /max-keys=10/);
});

t.test('invalid bodies name the field', async (t) => {
  const cases: [body: unknown, code: string, field: string | undefined][] = [
    [{ bucket: 'bkt', key: 'k' }, 'ERR_REQUEST_INVALID', 'operation'],
    [{ operation: 'RestoreObject', bucket: 'bkt', key: 'k' }, 'ERR_REQUEST_INVALID', 'operation'],
    [{ operation: 'CopyObject', bucket: 'bkt', key: 'k' }, 'ERR_REQUEST_INVALID', 'copySource'],
    [{ operation: 'GetObject', bucket: 'Bkt', key: 'k' }, 'ERR_REQUEST_INVALID', 'bucket'],
    [{ operation: 'GetObject', bucket: 'a..b', key: 'k' }, 'ERR_REQUEST_INVALID', 'bucket'],
    [{ operation: 'GetObject', bucket: '192.168.1.1', key: 'k' }, 'ERR_REQUEST_INVALID', 'bucket'],
    [{ operation: 'GetObject', bucket: 'bkt' }, 'ERR_REQUEST_INVALID', 'key'],
    [{ operation: 'GetObject', bucket: 'bkt', key: '' }, 'ERR_REQUEST_INVALID', 'key'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'k', prefix: 'p' }, 'ERR_REQUEST_INVALID', 'prefix'],
    [{ operation: 'ListObjectsV2', bucket: 'bkt', key: 'k' }, 'ERR_REQUEST_INVALID', 'key'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'k', extra: 1 }, 'ERR_REQUEST_INVALID', 'extra'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 7 }, 'ERR_REQUEST_INVALID', 'key'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'a\u0000b' }, 'ERR_REQUEST_KEY_INVALID', 'key'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'a\nb' }, 'ERR_REQUEST_KEY_INVALID', 'key'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'é'.repeat(513) }, 'ERR_REQUEST_KEY_INVALID', 'key'],
    [{ operation: 'ListObjectsV2', bucket: 'bkt', maxKeys: 0 }, 'ERR_REQUEST_INVALID', 'maxKeys'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'k', expiresInSeconds: 0 }, 'ERR_REQUEST_EXPIRY_OUT_OF_RANGE', 'expiresInSeconds'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'k', expiresInSeconds: 3601 }, 'ERR_REQUEST_EXPIRY_OUT_OF_RANGE', 'expiresInSeconds'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'k', expiresInSeconds: 604801 }, 'ERR_REQUEST_EXPIRY_OUT_OF_RANGE', 'expiresInSeconds'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'k', expiresInSeconds: '60' }, 'ERR_REQUEST_INVALID', 'expiresInSeconds'],
    [[1, 2], 'ERR_REQUEST_BODY_NOT_JSON', undefined],
  ];
  for (const [body, code, field] of cases) {
    const response = await sign(body);
    const label = JSON.stringify(body).slice(0, 60);
    t.equal(response.statusCode, 400, `${label} status`);
    t.equal(response.json().code, code, `${label} code`);
    t.equal(response.json().field, field, `${label} field`);
    t.notOk(response.body.includes('X-Amz'), `${label} no URL`);
  }
});

t.test('malformed transport is rejected', async (t) => {
  const notJson = await service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' }, payload: '{"operation":' });
  t.equal(notJson.statusCode, 400);
  t.equal(notJson.json().code, 'ERR_REQUEST_BODY_NOT_JSON');

  const badUtf8 = Buffer.concat([Buffer.from('{"operation":"GetObject","bucket":"bkt","key":"data/'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  const invalidUtf8 = await service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' }, payload: badUtf8 });
  t.equal(invalidUtf8.statusCode, 400);
  t.equal(invalidUtf8.json().code, 'ERR_REQUEST_BODY_NOT_JSON');
  t.match(invalidUtf8.json().message, /UTF-8/);

  const text = await service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}`, 'content-type': 'text/plain' }, payload: 'hello' });
  t.equal(text.statusCode, 415);
  t.equal(text.json().code, 'ERR_REQUEST_MEDIA_TYPE');

  const large = await sign({ operation: 'GetObject', bucket: 'bkt', key: 'data/x', pad: 'x'.repeat(1_100_000) });
  t.equal(large.statusCode, 413);
  t.equal(large.json().code, 'ERR_REQUEST_TOO_LARGE');

  const missing = await service.app.inject({ method: 'GET', url: '/v1/nothing' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().code, 'ERR_ROUTE_NOT_FOUND');

  const wrongMethod = await service.app.inject({ method: 'GET', url: '/v1/sign' });
  t.equal(wrongMethod.statusCode, 405);
  t.equal(wrongMethod.json().code, 'ERR_METHOD_NOT_ALLOWED');
  t.equal(wrongMethod.headers.allow, 'POST');
});

t.test('token is checked before the body', async (t) => {
  const response = await sign({ operation: 'GetObject', bucket: 'BAD', unknown: true }, null);
  t.equal(response.statusCode, 401);
  t.equal(response.json().code, 'ERR_AUTH_TOKEN_MISSING');
  const notJson = await service.app.inject({ method: 'POST', url: '/v1/sign', headers: { 'content-type': 'application/json' }, payload: '{' });
  t.equal(notJson.statusCode, 401, 'an unauthenticated body is never parsed');
});

t.test('token failures are 401 with a code', async (t) => {
  const expired = await signToken(keys, { sub: 'bob', exp: NOW_SECONDS - 3600 });
  const wrongIssuer = await signToken(keys, { sub: 'bob', iss: 'https://evil.test' });
  const cases: [token: string | null, code: string][] = [
    [null, 'ERR_AUTH_TOKEN_MISSING'],
    ['not-a-jwt', 'ERR_AUTH_TOKEN_MALFORMED'],
    [expired, 'ERR_AUTH_TOKEN_EXPIRED'],
    [wrongIssuer, 'ERR_AUTH_CLAIM_INVALID'],
  ];
  for (const [token, code] of cases) {
    const response = await sign({ operation: 'GetObject', bucket: 'bkt', key: 'data/x' }, token);
    t.equal(response.statusCode, 401, code);
    t.equal(response.json().code, code);
    if (token !== null) t.notOk(response.body.includes(token), `${code}: the token is not echoed`);
  }
  t.equal(ISSUER, 'https://idp.test');
});

t.test('audit lines record every decision', async (t) => {
  const lines = await service.auditLines();
  const denied = lines.find((line) => line.key === 'data/hr/pay.csv');
  t.ok(denied, 'the denied request is audited');
  t.equal(denied?.decision, 'deny');
  t.equal(denied?.user, 'bob');
  t.same(denied?.groups, ['analysts']);
  t.equal(denied?.tokenId, 'token-7');
  t.equal(denied?.policyId, '2');
  t.equal(denied?.accessType, 'read');
  t.equal(denied?.operation, 'GetObject');
  t.equal(denied?.bucket, 'bkt');
  t.equal(denied?.clientIp, '127.0.0.1');
  t.match(denied?.reason, /deny item 0/);
  t.match(denied?.policyVersion, /^[0-9a-f]{64}$/);
  t.match(denied?.requestId, /^[0-9a-f-]{36}$/);
  t.notOk('expiresAt' in (denied ?? {}));

  const allowed = lines.find((line) => line.key === 'data/x.csv' && line.operation === 'GetObject');
  t.equal(allowed?.decision, 'allow');
  t.equal(allowed?.expiresAt, new Date((NOW_SECONDS + 120) * 1000).toISOString());
  const list = lines.find((line) => line.operation === 'ListObjectsV2' && line.decision === 'allow');
  t.equal(list?.prefix, 'data/');

  const invalid = lines.filter((line) => line.key === 'a\u0000b');
  t.equal(invalid.length, 0, 'requests rejected before a decision are not decisions');
});

t.test('metrics count decisions', async (t) => {
  const response = await service.app.inject({ method: 'GET', url: '/metrics' });
  t.equal(response.statusCode, 200);
  t.match(response.body, /openraz_decisions_total\{decision="deny",operation="GetObject",access_type="read"\} 1/);
  t.match(response.body, /openraz_decisions_total\{decision="allow",operation="ListObjectsV2",access_type="list"\} 1/);
  t.match(response.body, /openraz_signing_duration_seconds_count\{operation="GetObject"\} 1/);
  t.match(response.body, /openraz_request_errors_total\{code="ERR_ACCESS_DENIED"\} \d+/);
  t.match(response.body, /openraz_policies_loaded 2/);
});

t.test('health and readiness', async (t) => {
  const health = await service.app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200);
  t.same(health.json(), { status: 'ok' });

  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().status, 'ready');
  t.equal(ready.json().policies.count, 2);
  t.match(ready.json().policies.version, /^[0-9a-f]{64}$/);
  t.equal(ready.json().credentials.loaded, true);
});

t.test('without credentials the service is not ready', async (t) => {
  const bare = await startTestService({ keys, policies, credentials: null });
  t.teardown(() => bare.close());
  const ready = await bare.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().credentials.loaded, false);
  const response = await bare.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}` }, payload: { operation: 'GetObject', bucket: 'bkt', key: 'data/x' } });
  t.equal(response.statusCode, 503);
  t.equal(response.json().code, 'ERR_SERVICE_NOT_READY');
});

t.test('no secret reaches a log line, audit line or error body', async (t) => {
  const urls: string[] = [];
  for (const key of ['data/a', 'data/b c']) {
    const response = await sign({ operation: 'GetObject', bucket: 'bkt', key });
    urls.push(response.json().url);
  }
  const signatures = urls.map((url) => new URL(url).searchParams.get('X-Amz-Signature')!);
  const log = service.logText();
  const audit = JSON.stringify(await service.auditLines());
  t.ok(log.length > 0, 'the debug log was captured');
  for (const [name, text] of [['log', log], ['audit', audit]] as const) {
    t.notOk(text.includes(TEST_CREDENTIALS.secretAccessKey), `${name}: no secret key`);
    t.notOk(text.includes(bob), `${name}: no token`);
    t.notOk(text.includes(bob.split('.')[2]!), `${name}: no token signature`);
    t.notOk(text.includes('X-Amz-Signature'), `${name}: no presigned URL`);
    for (const signature of signatures) t.notOk(text.includes(signature), `${name}: no URL signature`);
  }
});

t.test('dot segments are rejected unless allowed', async (t) => {
  for (const key of ['data/../etc', 'data/./x', 'data/..', '../data/x']) {
    const response = await sign({ operation: 'GetObject', bucket: 'bkt', key });
    t.equal(response.statusCode, 400, key);
    t.equal(response.json().code, 'ERR_REQUEST_KEY_DOT_SEGMENT', `${key} code`);
    t.equal(response.json().field, 'key', `${key} field`);
  }
  t.equal((await sign({ operation: 'GetObject', bucket: 'bkt', key: 'data/..x/.y.' })).statusCode, 200, 'dots inside a segment are fine');

  const lenient = await startTestService({ keys, policies, config: { s3: { allowDotSegments: true } } });
  t.teardown(() => lenient.close());
  const response = await lenient.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}` }, payload: { operation: 'GetObject', bucket: 'bkt', key: 'data/./x' } });
  t.equal(response.statusCode, 200);
  t.match(response.json().url, /\/bkt\/data\/\.\/x\?/, 'signed literally');
});
