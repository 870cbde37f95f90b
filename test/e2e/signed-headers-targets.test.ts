import { rm } from 'node:fs/promises';
import t from 'tap';
import { createBucket, gatewayAccessKey, gatewayEndpoint, gatewaySecretKey, startGateway, stsGatewayEndpoint } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// POST /v1/sign/request with two storage targets: the two gateways of the test cluster, one
// per bucket pattern. Both accept the test user's long-term keys.
const firstBucket = 'targets-first-e2e';
const secondBucket = 'targets-second-e2e';
const policies = [
  {
    id: 1,
    name: 'alice writes both buckets',
    resources: { bucket: { values: [firstBucket, secondBucket] }, path: { values: ['*'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }, { type: 'write' }] }],
  },
];

await startGateway();
await createBucket(firstBucket);
await createBucket(secondBucket);

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const keysFromEnvironment = { source: 'static' };
const service = await startTestService({
  keys,
  policies,
  credentials: { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey },
  config: {
    s3: {
      targets: [
        { name: 'first', buckets: [firstBucket], endpoint: gatewayEndpoint, forcePathStyle: true, credentials: keysFromEnvironment },
        { name: 'second', buckets: [secondBucket], endpoint: stsGatewayEndpoint, forcePathStyle: true, credentials: keysFromEnvironment },
      ],
    },
  },
  now: () => new Date(),
});
t.teardown(() => service.close());

async function signRequest(body: Record<string, unknown>) {
  const token = await signToken(keys, { sub: 'alice' }, {}, new Date());
  const response = await service.app.inject({ method: 'POST', url: '/v1/sign/request', headers: { authorization: `Bearer ${token}` }, payload: body });
  return { status: response.statusCode, json: response.json() };
}

t.test('each target signs the URLs on its endpoint', async (t) => {
  for (const [endpoint, bucket] of [
    [gatewayEndpoint, firstBucket],
    [stsGatewayEndpoint, secondBucket],
  ] as const) {
    const url = `${endpoint}/${bucket}/doc.txt`;
    const put = await signRequest({ method: 'PUT', url, payloadHash: 'UNSIGNED-PAYLOAD' });
    t.equal(put.status, 200, `${bucket} is signed`);
    t.equal(put.json.url, url);
    t.equal((await sendRaw('PUT', put.json.url, 'hello', put.json.headers)).status, 200, `the gateway of ${bucket} accepts the PUT`);
  }
});

t.test('a bucket on another target than its own is rejected', async (t) => {
  const { status, json } = await signRequest({ method: 'GET', url: `${stsGatewayEndpoint}/${firstBucket}/doc.txt` });
  t.equal(status, 400);
  t.equal(json.code, 'ERR_REQUEST_URL_INVALID');
  t.equal(json.field, 'url');
  t.notMatch(json.message, gatewayEndpoint, 'the message does not name the other endpoint');
  t.notOk(json.headers);
  const lines = await service.auditLines();
  t.notOk(
    lines.some((line) => line.bucket === firstBucket && line.operation === 'GetObject'),
    'nothing was decided',
  );
});

t.test('a URL on no target names the first endpoint', async (t) => {
  const { status, json } = await signRequest({ method: 'GET', url: `http://127.0.0.1:9/${firstBucket}/doc.txt` });
  t.equal(status, 400);
  t.equal(json.code, 'ERR_REQUEST_URL_INVALID');
  t.match(json.message, gatewayEndpoint);
});
