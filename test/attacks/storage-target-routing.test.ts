import { rm } from 'node:fs/promises';
import t from 'tap';
import { createBucket, gatewayAccessKey, gatewayEndpoint, gatewaySecretKey, startGateway, stsGatewayEndpoint } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// With s3.targets, each bucket goes to the first target whose patterns match it, and is
// signed with that target's credentials. These checks route buckets to two gateway ports
// (two targets on one Ceph cluster) and look for a request signed for the wrong target, a
// copy across targets, and a target without credentials borrowing another's.
const first = 'redteam2-route-a';
const second = 'redteam2-route-b';
const ALL = [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }];

await startGateway();
await createBucket(first);
await createBucket(second);

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const policies = [
  {
    id: 1,
    name: 'mallory owns m/ everywhere',
    resources: { bucket: { values: [first, second, 'redteam2-unrouted'] }, path: { values: ['m/'], isRecursive: true } },
    policyItems: [{ users: ['mallory'], accesses: ALL }],
  },
];

process.env.REDTEAM2_ROUTE_KEY_ID = gatewayAccessKey;
process.env.REDTEAM2_ROUTE_SECRET = gatewaySecretKey;
delete process.env.REDTEAM2_ROUTE_MISSING_KEY_ID;
delete process.env.REDTEAM2_ROUTE_MISSING_SECRET;
const keysFromEnvironment = { source: 'static', accessKeyIdEnv: 'REDTEAM2_ROUTE_KEY_ID', secretAccessKeyEnv: 'REDTEAM2_ROUTE_SECRET' };
const missingKeys = { source: 'static', accessKeyIdEnv: 'REDTEAM2_ROUTE_MISSING_KEY_ID', secretAccessKeyEnv: 'REDTEAM2_ROUTE_MISSING_SECRET' };

async function start(targets: Record<string, unknown>[]): Promise<TestService> {
  const service = await startTestService({ keys, policies, credentials: 'configured', config: { s3: { targets } }, now: () => new Date() });
  t.teardown(() => service.close());
  return service;
}

async function call(service: TestService, url: string, payload: Record<string, unknown>) {
  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const response = await service.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });
  return {
    status: response.statusCode,
    requestId: String(response.headers['x-request-id']),
    body: response.json() as { code?: string; field?: string; message?: string; url: string; method: string; headers: Record<string, string> },
  };
}

// Two endpoints: each bucket is served by its own gateway port.
const twoEndpoints = await start([
  { name: 'main', buckets: [first], endpoint: gatewayEndpoint, forcePathStyle: true, credentials: keysFromEnvironment },
  { name: 'second', buckets: [second], endpoint: stsGatewayEndpoint, forcePathStyle: true, credentials: keysFromEnvironment },
]);

t.test('presigned URLs follow the route', async (t) => {
  const inFirst = await call(twoEndpoints, '/v1/sign', { operation: 'PutObject', bucket: first, key: 'm/a' });
  t.match(inFirst.body.url, `${gatewayEndpoint}/${first}/m/a?`);
  const inSecond = await call(twoEndpoints, '/v1/sign', { operation: 'PutObject', bucket: second, key: 'm/a' });
  t.match(inSecond.body.url, `${stsGatewayEndpoint}/${second}/m/a?`);
  t.equal((await sendRaw('PUT', inSecond.body.url, 'second')).status, 200, 'the second target accepts its URL');
});

t.test('copy across targets is rejected', async (t) => {
  const across = await call(twoEndpoints, '/v1/sign', {
    operation: 'CopyObject',
    bucket: second,
    key: 'm/copy',
    copySource: { bucket: first, key: 'm/a' },
  });
  t.equal(across.status, 400);
  t.equal(across.body.code, 'ERR_REQUEST_INVALID');
  t.equal(across.body.field, 'copySource.bucket');

  const described = await call(twoEndpoints, '/v1/sign/request', {
    method: 'PUT',
    url: `${gatewayEndpoint}/${first}/m/copy`,
    headers: { 'x-amz-copy-source': `${second}/m/a` },
  });
  t.equal(described.status, 400);
  t.equal(described.body.code, 'ERR_REQUEST_INVALID');
  t.equal(described.body.field, 'headers.x-amz-copy-source');
});

t.test('unrouted bucket is rejected', async (t) => {
  const direct = await call(twoEndpoints, '/v1/sign', { operation: 'GetObject', bucket: 'redteam2-unrouted', key: 'm/a' });
  t.equal(direct.status, 400);
  t.equal(direct.body.code, 'ERR_REQUEST_BUCKET_UNROUTED');
  t.equal(direct.body.field, 'bucket');

  const described = await call(twoEndpoints, '/v1/sign/request', { method: 'GET', url: `${gatewayEndpoint}/redteam2-unrouted/m/a` });
  t.equal(described.status, 400);
  t.equal(described.body.code, 'ERR_REQUEST_BUCKET_UNROUTED');
  t.equal(described.body.field, 'url');
});

t.test('copy from an unrouted bucket names the copy source', async (t) => {
  const response = await call(twoEndpoints, '/v1/sign', {
    operation: 'CopyObject',
    bucket: first,
    key: 'm/copy',
    copySource: { bucket: 'redteam2-unrouted', key: 'm/a' },
  });
  t.equal(response.status, 400);
  t.equal(response.body.code, 'ERR_REQUEST_BUCKET_UNROUTED');
  t.equal(response.body.field, 'copySource.bucket', 'the field at fault is the copy source');
});

t.test('header signing for a bucket on the second target', async (t) => {
  const url = `${stsGatewayEndpoint}/${second}/m/described`;
  const response = await call(twoEndpoints, '/v1/sign/request', { method: 'PUT', url });
  t.equal(response.status, 200, `the URL of the bucket's own target is signed (${response.body.code})`);
  if (response.status === 200)
    t.equal((await sendRaw('PUT', response.body.url, 'x', response.body.headers)).status, 200, 'and the gateway accepts it');
});

t.test('rejected header signing leaves no signed audit line', async (t) => {
  // The first target's endpoint, for a bucket that the second target serves.
  const response = await call(twoEndpoints, '/v1/sign/request', { method: 'PUT', url: `${gatewayEndpoint}/${second}/m/described` });
  t.equal(response.status, 400, 'the request is rejected');
  t.equal(response.body.code, 'ERR_REQUEST_URL_INVALID');
  t.notMatch(response.body.message, stsGatewayEndpoint, "the error does not show the other target's endpoint");
  const lines = (await twoEndpoints.auditLines()).filter((line) => line.requestId === response.requestId);
  t.notOk(
    lines.some((line) => line.expiresAt !== undefined),
    'no audit line claims a signed request that was never returned',
  );
});

// One endpoint, two targets: the first has no credentials, the second has valid ones.
const firstWithoutKeys = await start([
  { name: 'unready', buckets: [first], endpoint: gatewayEndpoint, forcePathStyle: true, credentials: missingKeys },
  { name: 'ready', buckets: [second], endpoint: gatewayEndpoint, forcePathStyle: true, credentials: keysFromEnvironment },
]);

t.test('target without credentials borrows none', async (t) => {
  const unready = await call(firstWithoutKeys, '/v1/sign', { operation: 'GetObject', bucket: first, key: 'm/a' });
  t.equal(unready.status, 503);
  t.equal(unready.body.code, 'ERR_SERVICE_NOT_READY');
  t.notOk('url' in unready.body, 'nothing is signed with the other target credentials');

  const listing = await call(firstWithoutKeys, '/v1/sign', { operation: 'ListBuckets' });
  t.equal(listing.status, 503, 'ListBuckets uses the first target and does not borrow either');

  const ready = await call(firstWithoutKeys, '/v1/sign', { operation: 'PutObject', bucket: second, key: 'm/ready' });
  t.equal(ready.status, 200, 'the other target still signs');
  const readiness = await firstWithoutKeys.app.inject({ url: '/readyz' });
  t.equal(readiness.statusCode, 503);
  t.same(
    readiness.json().credentials.targets.map((target: { name: string; valid: boolean }) => [target.name, target.valid]),
    [
      ['unready', false],
      ['ready', true],
    ],
  );
});

t.test('header signing while the first target has no credentials', async (t) => {
  const response = await call(firstWithoutKeys, '/v1/sign/request', { method: 'PUT', url: `${gatewayEndpoint}/${second}/m/described` });
  t.equal(response.status, 200, `a bucket of a ready target is signed (${response.body.code})`);
  if (response.status === 200)
    t.equal((await sendRaw('PUT', response.body.url, 'x', response.body.headers)).status, 200, 'and the gateway accepts it');
});
