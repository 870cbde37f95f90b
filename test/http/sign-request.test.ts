import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import t from 'tap';
import { TEST_CREDENTIALS, startTestService, type TestService } from '../fixtures/service.js';
import { NOW, NOW_SECONDS, createTestKeys, signToken } from '../fixtures/tokens.js';

// Signing with headers, through the HTTP API; nothing is sent to a store here
// (test/e2e/gateway-signed-headers.test.ts sends the signed requests to a real gateway).
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const policies = [
  {
    id: 1,
    name: 'bob works in data/',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
  },
  {
    id: 2,
    name: 'short-lived reads of brief/',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['brief/'], isRecursive: true } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], conditions: [{ type: 'max-expires-seconds', values: ['600'] }] }],
  },
  {
    id: 3,
    name: '15-minute reads of quarter/',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['quarter/'], isRecursive: true } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], conditions: [{ type: 'max-expires-seconds', values: ['900'] }] }],
  },
];

const bob = await signToken(keys, { sub: 'bob', jti: 'token-9' });
const base = 'http://127.0.0.1:7480/bkt';
const service = await startTestService({ keys, policies });
t.teardown(() => service.close());

async function signRequest(body: unknown, target: TestService = service) {
  return target.app.inject({ method: 'POST', url: '/v1/sign/request', headers: { authorization: `Bearer ${bob}` }, payload: body as object });
}

t.test('allowed request returns every header to send', async (t) => {
  const response = await signRequest({
    method: 'GET',
    url: `${base}/data/x.csv`,
    headers: { Range: 'bytes=0-99', 'User-Agent': 'client/1', Accept: '*/*' },
  });
  t.equal(response.statusCode, 200);
  const body = response.json();
  t.equal(body.method, 'GET');
  t.equal(body.url, `${base}/data/x.csv`, 'the URL has no signature in it');
  t.same(
    Object.keys(body.headers).sort(),
    ['Authorization', 'Host', 'X-Amz-Content-Sha256', 'X-Amz-Date', 'range'],
    'unsigned headers are not returned',
  );
  t.equal(body.headers['X-Amz-Date'], '20260102T100000Z');
  t.equal(body.headers['X-Amz-Content-Sha256'], 'UNSIGNED-PAYLOAD');
  t.equal(body.headers.Host, '127.0.0.1:7480');
  t.equal(body.headers.range, 'bytes=0-99');
  t.match(
    body.headers.Authorization,
    /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/20260102\/us-east-1\/s3\/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
  );
  t.equal(body.expiresAt, new Date((NOW_SECONDS + 900) * 1000).toISOString(), 'X-Amz-Date plus 15 minutes');
  t.equal(body.policyId, '1');
  t.match(body.decisionId, /^[0-9a-f-]{36}$/);
});

t.test('a given payload hash is signed', async (t) => {
  const hex = createHash('sha256').update('part').digest('hex');
  const fromHeader = await signRequest({
    method: 'PUT',
    url: `${base}/data/p?partNumber=1&uploadId=u1`,
    headers: { 'x-amz-content-sha256': hex, 'content-length': '4' },
  });
  t.equal(fromHeader.statusCode, 200);
  t.equal(fromHeader.json().headers['X-Amz-Content-Sha256'], hex);
  t.match(fromHeader.json().headers.Authorization, /SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date,/);
  t.equal(fromHeader.json().url, `${base}/data/p?partNumber=1&uploadId=u1`);

  const trailer = await signRequest({
    method: 'PUT',
    url: `${base}/data/p`,
    payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    headers: { 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': '4' },
  });
  t.equal(trailer.statusCode, 200);
  t.equal(trailer.json().headers['X-Amz-Content-Sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
  t.equal(trailer.json().headers['x-amz-trailer'], 'x-amz-checksum-crc32');
  t.equal(trailer.json().headers['x-amz-decoded-content-length'], '4');
});

t.test('a body signs its hashes', async (t) => {
  const body = '<Delete><Object><Key>data/a</Key></Object><Object><Key>data/b</Key></Object></Delete>';
  const response = await signRequest({ method: 'POST', url: `${base}?delete`, body });
  t.equal(response.statusCode, 200);
  t.equal(response.json().url, `${base}?delete=`, 'the flag is signed with "="; the query compares as a set of pairs');
  t.equal(response.json().headers['X-Amz-Content-Sha256'], createHash('sha256').update(body).digest('hex'));
  t.equal(response.json().headers['content-md5'], createHash('md5').update(body).digest('base64'));
});

t.test('the SDK x-id parameter is signed', async (t) => {
  const response = await signRequest({ method: 'GET', url: `${base}/data/x?x-id=GetObject` });
  t.equal(response.statusCode, 200);
  t.equal(response.json().url, `${base}/data/x?x-id=GetObject`);
});

t.test('denied requests get no headers', async (t) => {
  const response = await signRequest({ method: 'GET', url: `${base}/other/x` });
  t.equal(response.statusCode, 403);
  t.equal(response.json().code, 'ERR_ACCESS_DENIED');
  t.notOk('headers' in response.json());
  t.notOk(response.body.includes('AWS4-HMAC-SHA256'), 'nothing signed in the body');

  const copy = await signRequest({ method: 'PUT', url: `${base}/data/copy`, headers: { 'x-amz-copy-source': 'bkt/other/secret' } });
  t.equal(copy.statusCode, 403, 'a copy needs read on its source');
  t.equal(copy.json().field, 'headers.x-amz-copy-source', 'the denied source is named where it came from');

  const deleted = await signRequest({
    method: 'POST',
    url: `${base}?delete`,
    body: '<Delete><Object><Key>data/a</Key></Object><Object><Key>other/b</Key></Object></Delete>',
  });
  t.equal(deleted.statusCode, 403);
  t.same(deleted.json().deniedKeys, ['other/b']);
});

t.test('one audit line per access', async (t) => {
  const before = (await service.auditLines()).length;
  const response = await signRequest({ method: 'PUT', url: `${base}/data/copy2`, headers: { 'x-amz-copy-source': 'bkt/data/source' } });
  t.equal(response.statusCode, 200);
  const lines = (await service.auditLines()).slice(before);
  t.equal(lines.length, 2, 'the target and the copy source');
  t.same(
    lines.map((line) => [line.kind, line.operation, line.accessType, line.key, line.decision, line.decisionId]),
    [
      ['sign', 'CopyObject', 'write', 'data/copy2', 'allow', response.json().decisionId],
      ['sign', 'CopyObject', 'read', 'data/source', 'allow', response.json().decisionId],
    ],
  );
  t.equal(lines[0]?.expiresAt, response.json().expiresAt);
  t.equal(lines[0]?.tokenId, 'token-9');
});

t.test('conditions see the 15-minute validity', async (t) => {
  const brief = await signRequest({ method: 'GET', url: `${base}/brief/x` });
  t.equal(brief.statusCode, 403, 'a 600 s maximum denies a request S3 accepts for 900 s');
  const quarter = await signRequest({ method: 'GET', url: `${base}/quarter/x` });
  t.equal(quarter.statusCode, 200, 'a 900 s maximum allows it');
});

t.test('errors name where the value came from', async (t) => {
  const cases: [body: unknown, status: number, code: string, field: string | undefined][] = [
    [{ url: `${base}/data/x` }, 400, 'ERR_REQUEST_INVALID', 'method'],
    [{ method: 'PATCH', url: `${base}/data/x` }, 400, 'ERR_REQUEST_INVALID', 'method'],
    [{ method: 'GET' }, 400, 'ERR_REQUEST_INVALID', 'url'],
    [{ method: 'GET', url: `${base}/data/x`, expiresInSeconds: 60 }, 400, 'ERR_REQUEST_INVALID', 'expiresInSeconds'],
    [{ method: 'GET', url: `${base}/data/x`, headers: { range: 7 } }, 400, 'ERR_REQUEST_INVALID', 'headers.range'],
    [{ method: 'GET', url: `${base}/data/${'%C3%A9'.repeat(513)}` }, 400, 'ERR_REQUEST_KEY_INVALID', 'url'],
    [{ method: 'GET', url: `${base}/data/a%00b` }, 400, 'ERR_REQUEST_KEY_INVALID', 'url'],
    [{ method: 'GET', url: `${base}/data/../etc` }, 400, 'ERR_REQUEST_KEY_DOT_SEGMENT', 'url'],
    [{ method: 'GET', url: 'http://127.0.0.1:7480/Bkt/data/x' }, 400, 'ERR_REQUEST_INVALID', 'url'],
    [{ method: 'GET', url: 'http://127.0.0.1:7480/admin/x' }, 400, 'ERR_REQUEST_INVALID', 'url'],
    [{ method: 'GET', url: `${base}?list-type=2&max-keys=0` }, 400, 'ERR_REQUEST_INVALID', 'query.max-keys'],
    [{ method: 'GET', url: `${base}?list-type=2&encoding-type=xml` }, 400, 'ERR_REQUEST_INVALID', 'query.encoding-type'],
    [{ method: 'GET', url: `${base}/data/x?partNumber=10001` }, 400, 'ERR_REQUEST_INVALID', 'query.partNumber'],
    [{ method: 'GET', url: `${base}/data/x`, headers: { range: 'bytes=a-b' } }, 400, 'ERR_REQUEST_INVALID', 'headers.range'],
    [{ method: 'PUT', url: `${base}/data/x`, headers: { 'content-type': 'not a type' } }, 400, 'ERR_REQUEST_INVALID', 'headers.content-type'],
    [{ method: 'PUT', url: `${base}/data/x`, headers: { 'if-none-match': '"etag"' } }, 400, 'ERR_REQUEST_INVALID', 'headers.if-none-match'],
    [
      { method: 'PUT', url: `${base}/data/x`, headers: { 'x-amz-server-side-encryption': 'ROT13' } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.x-amz-server-side-encryption',
    ],
    [{ method: 'GET', url: `${base}/data/x?attributes` }, 400, 'ERR_REQUEST_INVALID', 'headers.x-amz-object-attributes'],
    [
      { method: 'GET', url: `${base}/data/x?attributes`, headers: { 'x-amz-object-attributes': 'Owner' } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.x-amz-object-attributes',
    ],
    [{ method: 'PUT', url: `${base}/data/x`, headers: { 'x-amz-copy-source': 'Src/k' } }, 400, 'ERR_REQUEST_INVALID', 'headers.x-amz-copy-source'],
    [{ method: 'PUT', url: `${base}/data/x`, body: '<a/>' }, 400, 'ERR_REQUEST_INVALID', 'body'],
    [{ method: 'POST', url: `${base}?delete` }, 400, 'ERR_REQUEST_INVALID', 'body'],
    [{ method: 'POST', url: `${base}?delete`, body: '<!DOCTYPE x><Delete/>' }, 400, 'ERR_REQUEST_BODY_INVALID', 'body'],
    [{ method: 'GET', url: `${base}/data/x`, headers: { 'x-amz-acl': 'public-read' } }, 400, 'ERR_REQUEST_HEADER_NOT_ALLOWED', 'headers.x-amz-acl'],
    [{ method: 'GET', url: 'http://127.0.0.1:9999/bkt/data/x' }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    [{ method: 'PUT', url: base }, 400, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
  ];
  for (const [body, status, code, field] of cases) {
    const response = await signRequest(body);
    const label = JSON.stringify(body).slice(0, 90);
    t.equal(response.statusCode, status, `${label}: status`);
    t.equal(response.json().code, code, `${label}: code`, { message: response.json().message });
    t.equal(response.json().field, field, `${label}: field`);
    t.notOk(response.body.includes('AWS4-HMAC-SHA256'), `${label}: nothing signed`);
  }
});

t.test('temporary credentials cut the expiry and add the token', async (t) => {
  const expiration = new Date(NOW.getTime() + 10 * 60 * 1000);
  const temporary = await startTestService({ keys, policies, credentials: { ...TEST_CREDENTIALS, sessionToken: 'session-token-value', expiration } });
  t.teardown(() => temporary.close());
  const response = await signRequest({ method: 'GET', url: `${base}/data/x` }, temporary);
  t.equal(response.statusCode, 200);
  t.equal(response.json().headers['X-Amz-Security-Token'], 'session-token-value');
  t.match(response.json().headers.Authorization, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
  t.equal(response.json().expiresAt, new Date((NOW_SECONDS + 540) * 1000).toISOString(), '10 minutes less the 60 s margin');
});

t.test('a maximum below 15 minutes signs no headers', async (t) => {
  const strict = await startTestService({ keys, policies, config: { signing: { maxExpiresSeconds: 600 } } });
  t.teardown(() => strict.close());
  const response = await signRequest({ method: 'GET', url: `${base}/data/x` }, strict);
  t.equal(response.statusCode, 400);
  t.equal(response.json().code, 'ERR_REQUEST_EXPIRY_OUT_OF_RANGE');
  t.match(response.json().message, /signing\.maxExpiresSeconds \(600\)/);
});

t.test('virtual-hosted endpoint', async (t) => {
  const aws = await startTestService({
    keys,
    policies,
    endpoint: 'https://s3.eu-central-1.amazonaws.com',
    config: { s3: { forcePathStyle: false, region: 'eu-central-1' } },
  });
  t.teardown(() => aws.close());
  const response = await signRequest({ method: 'GET', url: 'https://bkt.s3.eu-central-1.amazonaws.com/data/a%20b' }, aws);
  t.equal(response.statusCode, 200);
  t.equal(response.json().url, 'https://bkt.s3.eu-central-1.amazonaws.com/data/a%20b');
  t.equal(response.json().headers.Host, 'bkt.s3.eu-central-1.amazonaws.com');
  t.match(response.json().headers.Authorization, /\/eu-central-1\/s3\/aws4_request/);

  const pathStyle = await signRequest({ method: 'GET', url: 'https://s3.eu-central-1.amazonaws.com/bkt/data/x' }, aws);
  t.equal(pathStyle.statusCode, 400);
  t.equal(pathStyle.json().code, 'ERR_REQUEST_URL_INVALID');
  t.match(pathStyle.json().message, 'https://bkt.s3.eu-central-1.amazonaws.com/data/x');
});

t.test('without credentials nothing is signed', async (t) => {
  const bare = await startTestService({ keys, policies, credentials: null });
  t.teardown(() => bare.close());
  const response = await signRequest({ method: 'GET', url: `${base}/data/x` }, bare);
  t.equal(response.statusCode, 503);
  t.equal(response.json().code, 'ERR_SERVICE_NOT_READY');
});

t.test('token is checked before the body', async (t) => {
  const response = await service.app.inject({ method: 'POST', url: '/v1/sign/request', payload: { method: 'GET', url: 'x' } });
  t.equal(response.statusCode, 401);
  t.equal(response.json().code, 'ERR_AUTH_TOKEN_MISSING');
});

t.test('no signature reaches a log or audit line', async (t) => {
  const response = await signRequest({ method: 'GET', url: `${base}/data/secret-check` });
  const signature = /Signature=([0-9a-f]{64})/.exec(response.json().headers.Authorization)![1]!;
  const log = service.logText();
  const audit = JSON.stringify(await service.auditLines());
  for (const [name, text] of [
    ['log', log],
    ['audit', audit],
  ] as const) {
    t.notOk(text.includes(signature), `${name}: no signature`);
    t.notOk(text.includes('AWS4-HMAC-SHA256'), `${name}: no Authorization value`);
    t.notOk(text.includes(TEST_CREDENTIALS.secretAccessKey), `${name}: no secret key`);
  }
});
