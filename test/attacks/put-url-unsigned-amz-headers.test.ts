import { rm } from 'node:fs/promises';
import t from 'tap';
import { createBucket, gatewayAccessKey, gatewayEndpoint, gatewaySecretKey, signedS3Request, startGateway } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// A presigned PutObject URL signs only `host` (X-Amz-SignedHeaders=host), and this Ceph
// gateway does not reject unsigned `x-amz-*` request headers. A caller who may write one key
// can therefore add headers that change what the PUT does. openraz must hand out a PUT URL
// that stores the uploaded bytes at the authorized key and nothing else.
const bucket = 'openraz-attack-put';
const otherBucket = 'openraz-attack-private';
const secretKey = 'payroll/2026.csv';
const secretContent = 'name,salary\nceo,1000000\n';

await startGateway();
await createBucket(bucket);
await createBucket(otherBucket);
const seeded = await signedS3Request('PUT', `/${otherBucket}/payroll/2026.csv`, { body: secretContent });
if (seeded.status !== 200) throw new Error(`seeding ${otherBucket}/${secretKey} failed with HTTP ${seeded.status}`);
const page = '<script>alert(document.cookie)</script>'.repeat(50);
const seededPage = await signedS3Request('PUT', `/${otherBucket}/pages/evil.html`, { body: page, headers: { 'content-type': 'text/html' } });
if (seededPage.status !== 200) throw new Error(`seeding ${otherBucket}/pages/evil.html failed with HTTP ${seededPage.status}`);

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

// Mallory may read and write her own folder and nothing else: no access to `otherBucket`.
const policies = [
  {
    id: 1,
    name: 'mallory owns drop/mallory/',
    resources: { bucket: { values: [bucket] }, path: { values: ['drop/mallory/'], isRecursive: true } },
    policyItems: [{ users: ['mallory'], accesses: [{ type: 'read' }, { type: 'write' }] }],
  },
  {
    id: 2,
    name: 'mallory uploads small images to avatars/mallory/',
    resources: { bucket: { values: [bucket] }, path: { values: ['avatars/mallory/'], isRecursive: true } },
    policyItems: [
      {
        users: ['mallory'],
        accesses: [{ type: 'write' }],
        conditions: [
          { type: 'content-types', values: ['image/png'] },
          { type: 'max-object-size', values: ['1024'] },
        ],
      },
    ],
  },
];
const service = await startTestService({
  keys,
  policies,
  credentials: { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey },
  endpoint: gatewayEndpoint,
  now: () => new Date(),
  // Signing the canned ACL makes the gateway reject any other ACL header on the upload.
  // The canned ACL and the copy guards are what stop headers added by the holder on Ceph.
  config: { s3: { putObjectAcl: 'private', guardCopySource: true } },
});
t.teardown(() => service.close());

interface Signed {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** Deletes an object that an earlier run left, so each check measures only this run's requests. */
async function removeObject(key: string): Promise<void> {
  const response = await signedS3Request('DELETE', `/${bucket}/${key}`);
  if (response.status !== 204) throw new Error(`cleanup of ${bucket}/${key} failed with HTTP ${response.status}`);
}

async function presign(body: Record<string, unknown>): Promise<Signed> {
  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { bucket, ...body },
  });
  if (response.statusCode !== 200) throw new Error(`sign ${JSON.stringify(body)} failed: HTTP ${response.statusCode} ${response.body}`);
  return response.json() as Signed;
}

t.test('policy denies mallory the private bucket', async (t) => {
  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { operation: 'GetObject', bucket: otherBucket, key: secretKey },
  });
  t.equal(response.statusCode, 403, 'openraz refuses to sign a GET of the private object');
});

// AWS S3 rejects x-amz-* headers that are not signed; this Ceph gateway runs them. With
// s3.guardCopySource a signed copy precondition that never holds fails a smuggled copy.
t.test('PUT URL cannot copy another object', async (t) => {
  const key = 'drop/mallory/loot.csv';
  await removeObject(key);
  const put = await presign({ operation: 'PutObject', key });
  const copy = await sendRaw('PUT', put.url, '', { ...put.headers, 'x-amz-copy-source': `/${otherBucket}/${secretKey}` });
  t.not(copy.status, 200, 'the gateway must not run a CopyObject on a PutObject URL');

  const get = await presign({ operation: 'GetObject', key });
  const downloaded = await sendRaw('GET', get.url);
  t.not(downloaded.body.toString(), secretContent, 'the private object must not be readable at the authorized key');
});

t.test('PUT URL cannot make the object public', async (t) => {
  const cannedKey = 'drop/mallory/public-canned.txt';
  await removeObject(cannedKey);
  const canned = await presign({ operation: 'PutObject', key: cannedKey });
  await sendRaw('PUT', canned.url, 'visible to anyone?', { ...canned.headers, 'x-amz-acl': 'public-read' });
  const anonymousCanned = await sendRaw('GET', `${gatewayEndpoint}/${bucket}/${cannedKey}`);
  t.equal(anonymousCanned.status, 403, 'x-amz-acl: public-read must not reach the gateway in a signed request');

  const grantKey = 'drop/mallory/public-grant.txt';
  await removeObject(grantKey);
  const grant = await presign({ operation: 'PutObject', key: grantKey });
  await sendRaw('PUT', grant.url, 'visible to anyone?', {
    ...grant.headers,
    'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
  });
  const anonymousGrant = await sendRaw('GET', `${gatewayEndpoint}/${bucket}/${grantKey}`);
  t.equal(anonymousGrant.status, 403, 'x-amz-grant-read for AllUsers must not reach the gateway in a signed request');
});

t.test('PUT URL keeps the declared type and size', async (t) => {
  // The policy checked contentType and contentLength, and both are signed as headers, but a
  // copy takes the source's type and size instead of the request's.
  const key = 'avatars/mallory/me.png';
  await removeObject(key);
  const put = await presign({ operation: 'PutObject', key, contentType: 'image/png', contentLength: 5 });
  await sendRaw('PUT', put.url, 'hello', { ...put.headers, 'x-amz-copy-source': `/${otherBucket}/pages/evil.html` });

  const stored = await signedS3Request('HEAD', `/${bucket}/${key}`);
  t.not(stored.headers['content-type'], 'text/html', 'the stored object is not the copied HTML page');
  t.ok(Number(stored.headers['content-length'] ?? 0) <= 1024, `the stored object is at most 1024 bytes (got ${stored.headers['content-length']})`);
});

t.test('PUT URL still uploads', async (t) => {
  const key = 'drop/mallory/plain.txt';
  await removeObject(key);
  const put = await presign({ operation: 'PutObject', key });
  t.same(
    put.headers,
    { 'x-amz-acl': 'private', 'x-amz-copy-if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' },
    'the caller is told to send the signed ACL and copy guard',
  );
  const upload = await sendRaw('PUT', put.url, 'plain upload', put.headers);
  t.equal(upload.status, 200, 'an upload with exactly the returned headers works');

  const get = await presign({ operation: 'GetObject', key });
  const downloaded = await sendRaw('GET', get.url, undefined, get.headers);
  t.equal(downloaded.body.toString(), 'plain upload', 'the bytes round-trip');
});
