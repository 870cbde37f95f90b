import { rm } from 'node:fs/promises';
import t from 'tap';
import { gatewayAccessKey, gatewayEndpoint, gatewaySecretKey, startGateway } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// With path-style addressing the bucket is the first path segment. Ceph's gateway serves its
// admin REST API under /admin (rgw_admin_entry) and Swift auth under /auth, ahead of S3. A
// GetObject for bucket "admin" and key "metadata/user/<uid>" is thus signed as an admin API
// call: the gateway verifies openraz's signature and then checks the storage identity's admin
// capabilities. With `metadata=read` it returns that user's record, secret keys included.
// The policy decided on an S3 object; the URL must address that object and nothing else.
await startGateway();
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const service = await startTestService({
  keys,
  policies: [
    {
      id: 1,
      name: 'auditors read every bucket',
      resources: { bucket: { values: ['*'] }, path: { values: ['*'] } },
      policyItems: [{ groups: ['auditors'], accesses: [{ type: 'read' }] }],
    },
  ],
  credentials: { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey },
  endpoint: gatewayEndpoint,
  now: () => new Date(),
});
t.teardown(() => service.close());

t.test('reserved first path segments stay S3', async (t) => {
  const token = await signToken(keys, { sub: 'erin', groups: ['auditors'] }, {}, new Date());
  for (const [bucket, key] of [
    ['admin', 'metadata/user'],
    ['admin', 'metadata/user/openraz-test'],
    ['admin', 'bucket'],
    ['auth', 'v1.0'],
  ] as const) {
    const signed = await service.app.inject({
      method: 'POST',
      url: '/v1/sign',
      headers: { authorization: `Bearer ${token}` },
      payload: { operation: 'GetObject', bucket, key },
    });
    if (signed.statusCode !== 200) {
      t.ok(signed.statusCode >= 400 && signed.statusCode < 500, `${bucket}/${key}: openraz refuses with ${signed.statusCode}`);
      continue;
    }
    const response = await sendRaw('GET', (signed.json() as { url: string }).url);
    const body = response.body.toString();
    // S3 errors are XML, while the admin and Swift auth handlers return JSON.
    t.notOk(body.startsWith('{'), `${bucket}/${key}: the gateway answers as S3, not as another API (got ${response.status} ${body.slice(0, 60)})`);
  }
});
