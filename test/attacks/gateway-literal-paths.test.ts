import { rm } from 'node:fs/promises';
import t from 'tap';
import { createBucket, gatewayAccessKey, gatewayEndpoint, gatewaySecretKey, s3ErrorCode, signedS3Request, startGateway } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// The policy engine matches keys literally, so `drop/mallory/../../x` is "under drop/mallory/". That is
// safe only while the gateway also takes the signed path literally. These checks send such
// URLs byte for byte to the Ceph gateway and expect them to reach the literal object (absent,
// so 404), never the object a path normaliser would pick, and expect any query parameter
// added to a signed URL to break its signature.
const bucket = 'openraz-attack-paths';
const otherBucket = 'openraz-attack-paths-other';
// Stays empty, so that a DELETE normalised to the bucket itself would remove it.
const emptyBucket = 'openraz-attack-paths-empty';
const secret = 'must stay private';

await startGateway();
await createBucket(bucket);
await createBucket(otherBucket);
await createBucket(emptyBucket);
for (const path of [`/${bucket}/top-secret.txt`, `/${otherBucket}/top-secret.txt`, `/${bucket}/drop/mallory/caf%C3%A9.txt`]) {
  const seeded = await signedS3Request('PUT', path, { body: secret });
  if (seeded.status !== 200) throw new Error(`seeding ${path} failed with HTTP ${seeded.status}`);
}

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const service = await startTestService({
  keys,
  policies: [
    {
      id: 1,
      name: 'mallory reads, lists and deletes drop/mallory/',
      resources: { bucket: { values: [bucket, emptyBucket] }, path: { values: ['drop/mallory/'], isRecursive: true } },
      policyItems: [{ users: ['mallory'], accesses: [{ type: 'read' }, { type: 'list' }, { type: 'delete' }] }],
    },
  ],
  credentials: { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey },
  // openraz rejects dot segments by default; this test checks that a store which keeps them
  // literally (Ceph RGW does) also authorizes exactly the key that was signed.
  config: { s3: { allowDotSegments: true } },
  endpoint: gatewayEndpoint,
  now: () => new Date(),
});
t.teardown(() => service.close());

async function presign(body: Record<string, unknown>): Promise<{ status: number; url?: string }> {
  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { bucket, ...body },
  });
  return { status: response.statusCode, url: (response.json() as { url?: string }).url };
}

t.test('dot segments and slashes stay literal', async (t) => {
  const keysUnderDrop = [
    'drop/mallory/../../top-secret.txt',
    `drop/mallory/../../../${otherBucket}/top-secret.txt`,
    'drop/mallory/./../../top-secret.txt',
    'drop/mallory/..//../top-secret.txt',
    'drop/mallory/%2e%2e/%2e%2e/top-secret.txt',
    'drop/mallory/..%2f..%2ftop-secret.txt',
    'drop/mallory/..\\..\\top-secret.txt',
  ];
  for (const key of keysUnderDrop) {
    const signed = await presign({ operation: 'GetObject', key });
    t.equal(signed.status, 200, `${key}: the policy allows the literal key`);
    const response = await sendRaw('GET', signed.url!);
    t.equal(response.status, 404, `${key}: the gateway looks up the literal key`);
    t.not(response.body.toString(), secret, `${key}: the private object is not returned`);
  }

  const deleteUp = await presign({ operation: 'DeleteObject', bucket: emptyBucket, key: 'drop/mallory/../../' });
  t.equal(deleteUp.status, 200, 'DELETE of a key ending in ../../ is signed');
  await sendRaw('DELETE', deleteUp.url!);
  const bucketHead = await signedS3Request('HEAD', `/${emptyBucket}`);
  t.equal(bucketHead.status, 200, 'the empty bucket still exists after that DELETE');
});

t.test('Unicode forms are distinct keys', async (t) => {
  const nfd = await presign({ operation: 'GetObject', key: 'drop/mallory/cafe\u0301.txt' });
  t.equal((await sendRaw('GET', nfd.url!)).status, 404, 'the NFD spelling does not reach the NFC object');
  const nfc = await presign({ operation: 'GetObject', key: 'drop/mallory/caf\u00e9.txt' });
  t.equal((await sendRaw('GET', nfc.url!)).status, 200, 'the NFC spelling does');
});

t.test('added query parameters break the signature', async (t) => {
  const get = await presign({ operation: 'GetObject', key: 'drop/mallory/caf\u00e9.txt' });
  for (const extra of ['acl', 'tagging', 'versionId=null', 'uploads', 'response-content-type=text%2Fhtml', 'partNumber=1']) {
    const response = await sendRaw('GET', `${get.url!}&${extra}`);
    t.equal(s3ErrorCode(response.body), 'SignatureDoesNotMatch', `GET with ${extra}`);
  }
  const list = await presign({ operation: 'ListObjectsV2', prefix: 'drop/mallory/' });
  for (const extra of ['prefix=', 'list-type=1', 'versions', 'fetch-owner=true', 'policy']) {
    const response = await sendRaw('GET', `${list.url!}&${extra}`);
    t.equal(s3ErrorCode(response.body), 'SignatureDoesNotMatch', `LIST with ${extra}`);
  }
});
