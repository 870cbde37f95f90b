import { rm } from 'node:fs/promises';
import t from 'tap';
import { startTestService, type TestService } from '../fixtures/service.js';
import { NOW_SECONDS, createTestKeys, signToken } from '../fixtures/tokens.js';

// Provokes every error code the sign and authorize routes can return, plus successful
// signings with a session token. Then scans the debug log, the audit file and every error
// body for the storage secret, the session token, bearer tokens, signatures and URLs.
const SECRET = 'scan-secret-key-never-in-output';
const SESSION_TOKEN = 'scan-session-token-never-in-output';

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const policies = [
  {
    id: 1,
    name: 'alice reads data/',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }, { type: 'list' }] }],
  },
];
const credentials = { accessKeyId: 'AKIDSCAN', secretAccessKey: SECRET, sessionToken: SESSION_TOKEN };

const services: TestService[] = [
  await startTestService({ keys, policies, credentials }),
  await startTestService({ keys, policies, credentials: null }),
  await startTestService({ keys, policies, credentials, config: { jwt: { jwksFile: undefined, jwksUrl: 'http://127.0.0.1:9/jwks.json', jwksTimeoutMs: 500 } } }),
];
t.teardown(() => Promise.all(services.map((service) => service.close())));
const [main, notReady, jwksDown] = services as [TestService, TestService, TestService];

const alice = await signToken(keys, { sub: 'alice', jti: 'jti-scan' });
const expired = await signToken(keys, { sub: 'alice', exp: NOW_SECONDS - 3600 });
const wrongAudience = await signToken(keys, { sub: 'alice', aud: 'someone-else' });
const unknownKid = await signToken(keys, { sub: 'alice' }, { kid: 'no-such-key' });
const [aliceHeader, alicePayload] = alice.split('.') as [string, string];
const badSignature = `${aliceHeader}.${alicePayload}.${'A'.repeat(342)}`;
const hs256 = `${Buffer.from('{"alg":"HS256","kid":"k1"}').toString('base64url')}.${alicePayload}.c2lnbmF0dXJl`;
const tokens = [alice, expired, wrongAudience, unknownKid, badSignature, hs256];

const errorBodies: string[] = [];
const signatures: string[] = [];

async function send(service: TestService, authorization: string | undefined, payload: string | object, contentType = 'application/json', method: 'POST' | 'GET' = 'POST') {
  const response = await service.app.inject({
    method,
    url: '/v1/sign',
    headers: { ...(authorization === undefined ? {} : { authorization }), 'content-type': contentType },
    ...(method === 'POST' ? { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}),
  });
  if (response.statusCode === 200) {
    const url = (response.json() as { url: string }).url;
    signatures.push(/X-Amz-Signature=([0-9a-f]+)/.exec(url)![1]!);
  } else {
    errorBodies.push(response.body);
  }
  return response;
}

t.test('every error code is provoked', async (t) => {
  const get = { operation: 'GetObject', bucket: 'bkt', key: 'data/x' };
  const cases: [string, Promise<{ statusCode: number; json(): unknown }>][] = [
    ['200', send(main, `Bearer ${alice}`, get)],
    ['200 list', send(main, `Bearer ${alice}`, { operation: 'ListObjectsV2', bucket: 'bkt', prefix: 'data/' })],
    ['ERR_ACCESS_DENIED', send(main, `Bearer ${alice}`, { ...get, key: 'secret/x' })],
    ['ERR_REQUEST_INVALID', send(main, `Bearer ${alice}`, { ...get, extra: alice })],
    ['ERR_REQUEST_BODY_NOT_JSON', send(main, `Bearer ${alice}`, `{"operation": ${alice}`)],
    ['ERR_REQUEST_KEY_INVALID', send(main, `Bearer ${alice}`, { ...get, key: `data/${'é'.repeat(600)}` })],
    ['ERR_REQUEST_EXPIRY_OUT_OF_RANGE', send(main, `Bearer ${alice}`, { ...get, expiresInSeconds: 999_999 })],
    ['ERR_REQUEST_TOO_LARGE', send(main, `Bearer ${alice}`, { ...get, pad: alice.repeat(Math.ceil(1_100_000 / alice.length)) })],
    ['ERR_REQUEST_MEDIA_TYPE', send(main, `Bearer ${alice}`, JSON.stringify(get), 'text/plain')],
    ['ERR_AUTH_TOKEN_MISSING', send(main, undefined, get)],
    ['ERR_AUTH_TOKEN_MISSING', send(main, `Basic ${alice}`, get)],
    ['ERR_AUTH_TOKEN_MALFORMED', send(main, `Bearer ${alice}x.y`, get)],
    ['ERR_AUTH_TOKEN_EXPIRED', send(main, `Bearer ${expired}`, get)],
    ['ERR_AUTH_SIGNATURE_INVALID', send(main, `Bearer ${badSignature}`, get)],
    ['ERR_AUTH_ALGORITHM_NOT_ALLOWED', send(main, `Bearer ${hs256}`, get)],
    ['ERR_AUTH_KEY_NOT_FOUND', send(main, `Bearer ${unknownKid}`, get)],
    ['ERR_AUTH_CLAIM_INVALID', send(main, `Bearer ${wrongAudience}`, get)],
    ['ERR_METHOD_NOT_ALLOWED', send(main, `Bearer ${alice}`, '', 'application/json', 'GET')],
    ['ERR_SERVICE_NOT_READY', send(notReady, `Bearer ${alice}`, get)],
    ['ERR_AUTH_JWKS_UNAVAILABLE', send(jwksDown, `Bearer ${alice}`, get)],
  ];
  for (const [expected, pending] of cases) {
    const response = await pending;
    const code = response.statusCode === 200 ? '200' : (response.json() as { code: string }).code;
    t.equal(code, expected.split(' ')[0], `${expected}: provoked`);
  }
  const authorize = await main.app.inject({
    method: 'POST',
    url: '/v1/authorize',
    headers: { authorization: `Bearer ${alice}` },
    payload: { operation: 'PutObject', bucket: 'bkt', key: 'data/x', expiresInSeconds: 60 },
  });
  errorBodies.push(authorize.body);
  t.equal(authorize.statusCode, 200, '/v1/authorize explains without signing');
  const asOther = await main.app.inject({
    method: 'POST',
    url: '/v1/authorize',
    headers: { authorization: `Bearer ${alice}` },
    payload: { accessTypes: ['read'], bucket: 'bkt', key: 'data/x', as: { user: 'bob' } },
  });
  errorBodies.push(asOther.body);
  t.equal(asOther.json().code, 'ERR_AUTH_ADMIN_SCOPE_REQUIRED', 'ERR_AUTH_ADMIN_SCOPE_REQUIRED: provoked');

  const notFound = await main.app.inject({ method: 'POST', url: '/v1/signature', headers: { authorization: `Bearer ${alice}` } });
  errorBodies.push(notFound.body);
  t.equal(notFound.json().code, 'ERR_ROUTE_NOT_FOUND', 'ERR_ROUTE_NOT_FOUND: provoked');
});

t.test('outputs contain no secret', async (t) => {
  t.ok(signatures.length >= 2, 'two URLs were signed');
  const outputs: [string, string][] = [];
  for (const [index, service] of services.entries()) {
    outputs.push([`log ${index}`, service.logText()]);
    outputs.push([`audit ${index}`, JSON.stringify(await service.auditLines())]);
  }
  errorBodies.forEach((body, index) => outputs.push([`error body ${index}`, body]));
  t.ok(outputs[0]![1].includes('"level":20') || outputs[0]![1].includes('"level":30'), 'the log was captured');

  const forbidden: [string, string][] = [
    ['storage secret', SECRET],
    ['session token', SESSION_TOKEN],
    ['X-Amz-Signature', 'X-Amz-Signature'],
    ['X-Amz-Credential', 'X-Amz-Credential'],
    ['presigned URL', 'http://127.0.0.1:7480/bkt'],
    ...signatures.map((signature, index): [string, string] => [`signature ${index}`, signature]),
    ...tokens.map((token, index): [string, string] => [`signature part of token ${index}`, token.split('.')[2]!]),
    ...tokens.map((token, index): [string, string] => [`payload part of token ${index}`, token.split('.')[1]!]),
  ];
  for (const [outputName, text] of outputs) {
    for (const [name, value] of forbidden) {
      t.notOk(text.includes(value), `${outputName}: no ${name}`);
    }
  }
});
