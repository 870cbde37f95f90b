import t from 'tap';
import { gatewayEndpoint, s3ErrorCode, signedS3Request } from '../fixtures/gateway.js';
import { seedObject, startGatewayService } from '../fixtures/gateway-service.js';
import { sendRaw, type RawResponse } from '../fixtures/raw-http.js';
import { signToken } from '../fixtures/tokens.js';

// A request signed with headers covers only the headers in SignedHeaders. Ceph RGW 16.2 runs
// `x-amz-*` headers that are not signed, so the holder of a signed request can add headers
// that openraz rejects when they are described to it. These checks send the signed requests
// with one more header to the real gateway and look at what it stored.
const bucket = 'redteam2-smuggle';
const privateBucket = 'redteam2-smuggle-private';
const secretContent = 'name,salary\nceo,1000000\n';
const base = `${gatewayEndpoint}/${bucket}`;

// Mallory may do anything under m/ of one bucket, and nothing in the private bucket.
const { keys, service } = await startGatewayService(t, {
  buckets: [bucket, privateBucket],
  policies: [
    {
      id: 1,
      name: 'mallory owns m/',
      resources: { bucket: { values: [bucket] }, path: { values: ['m/'], isRecursive: true } },
      policyItems: [{ users: ['mallory'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
    },
  ],
  // The configured canned ACL and copy guards are what stop headers added by the holder.
  config: { s3: { putObjectAcl: 'private', guardCopySource: true } },
});
await seedObject(privateBucket, 'payroll.csv', secretContent);

interface Signed {
  method: string;
  url: string;
  headers: Record<string, string>;
}

async function signRequest(description: Record<string, unknown>): Promise<{ status: number; body: Signed & { code?: string; field?: string } }> {
  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign/request',
    headers: { authorization: `Bearer ${token}` },
    payload: description,
  });
  return { status: response.statusCode, body: response.json() };
}

async function mustSign(description: Record<string, unknown>): Promise<Signed> {
  const { status, body } = await signRequest(description);
  if (status !== 200) throw new Error(`sign ${JSON.stringify(description)} failed: HTTP ${status} ${body.code}`);
  return body;
}

async function presign(request: Record<string, unknown>): Promise<Signed> {
  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { bucket, ...request },
  });
  if (response.statusCode !== 200) throw new Error(`sign ${JSON.stringify(request)} failed: HTTP ${response.statusCode} ${response.body}`);
  return response.json() as Signed;
}

function send(signed: Signed, body?: string, extraHeaders: Record<string, string> = {}): Promise<RawResponse> {
  return sendRaw(signed.method, signed.url, body, { ...signed.headers, ...extraHeaders });
}

async function removeObject(key: string): Promise<void> {
  const response = await signedS3Request('DELETE', `/${bucket}/${key}`);
  if (response.status !== 204) throw new Error(`cleanup of ${bucket}/${key} failed with HTTP ${response.status}`);
}

async function storedContent(key: string): Promise<string | undefined> {
  const response = await signedS3Request('GET', `/${bucket}/${key}`);
  return response.status === 200 ? response.body.toString() : undefined;
}

t.test('header-signed PUT cannot copy a private object', async (t) => {
  const key = 'm/loot-put.csv';
  await removeObject(key);
  const put = await mustSign({ method: 'PUT', url: `${base}/${key}` });
  const copy = await send(put, '', { 'x-amz-copy-source': `/${privateBucket}/payroll.csv` });
  t.not(copy.status, 200, `the gateway must not run CopyObject on a signed PutObject (HTTP ${copy.status})`);
  t.not(await storedContent(key), secretContent, 'the private bytes must not land at the authorized key');
});

t.test('header-signed UploadPart cannot copy a private object', async (t) => {
  const key = 'm/loot-part.csv';
  const create = await send(await mustSign({ method: 'POST', url: `${base}/${key}?uploads` }));
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.body.toString())?.[1];
  if (uploadId === undefined) throw new Error(`CreateMultipartUpload failed with HTTP ${create.status}`);
  const encodedId = encodeURIComponent(uploadId);
  t.teardown(() => signedS3Request('DELETE', `/${bucket}/${key}`, { query: { uploadId } }));

  const part = await mustSign({ method: 'PUT', url: `${base}/${key}?partNumber=1&uploadId=${encodedId}` });
  const copy = await send(part, '', { 'x-amz-copy-source': `/${privateBucket}/payroll.csv` });
  t.not(copy.status, 200, `the gateway must not run UploadPartCopy on a signed UploadPart (HTTP ${copy.status})`);
});

// Proof that openraz could close the two gaps above for this store: a copy precondition that
// is never true is ignored by a plain upload and fails any copy. Ceph RGW 16.2 reads the
// CopyObject preconditions as x-amz-copy-if-* (not x-amz-copy-source-if-*) and ignores them
// on UploadPartCopy, where an empty source range fails the copy instead.
t.test('signed copy guards stop smuggled copies on the gateway', async (t) => {
  const guard = { 'x-amz-copy-if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' };
  const source = `/${privateBucket}/payroll.csv`;
  await removeObject('m/guarded.csv');
  const plain = await signedS3Request('PUT', `/${bucket}/m/guarded.csv`, { body: 'plain upload', headers: guard });
  t.equal(plain.status, 200, 'a plain PutObject with the guard works');
  const copy = await signedS3Request('PUT', `/${bucket}/m/guarded.csv`, { body: '', headers: { ...guard, 'x-amz-copy-source': source } });
  t.equal(copy.status, 412, 'the same PutObject with a copy source fails its precondition');
  t.equal(s3ErrorCode(copy.body), 'PreconditionFailed');
  t.equal(await storedContent('m/guarded.csv'), 'plain upload', 'the private bytes were not copied');

  const create = await signedS3Request('POST', `/${bucket}/m/guarded-part.csv`, { query: { uploads: '' } });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.body.toString())![1]!;
  t.teardown(() => signedS3Request('DELETE', `/${bucket}/m/guarded-part.csv`, { query: { uploadId } }));
  const range = { 'x-amz-copy-source-range': 'bytes=1-0' };
  const part = await signedS3Request('PUT', `/${bucket}/m/guarded-part.csv`, { query: { partNumber: '1', uploadId }, body: 'part', headers: range });
  t.equal(part.status, 200, 'a plain UploadPart with the empty source range works');
  const partCopy = await signedS3Request('PUT', `/${bucket}/m/guarded-part.csv`, {
    query: { partNumber: '2', uploadId },
    body: '',
    headers: { ...range, 'x-amz-copy-source': source },
  });
  t.equal(partCopy.status, 416, 'the same UploadPart with a copy source fails on the range');
  t.equal(s3ErrorCode(partCopy.body), 'InvalidRange');
});

t.test('multipart upload keeps the configured ACL', async (t) => {
  const key = 'm/public-multipart.txt';
  await removeObject(key);
  const create = await send(await mustSign({ method: 'POST', url: `${base}/${key}?uploads` }), undefined, { 'x-amz-acl': 'public-read' });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.body.toString())?.[1];
  t.ok(uploadId !== undefined || create.status !== 200, 'the gateway either rejects the added ACL or starts the upload');
  if (uploadId === undefined) return;
  const encodedId = encodeURIComponent(uploadId);
  const part = await send(await mustSign({ method: 'PUT', url: `${base}/${key}?partNumber=1&uploadId=${encodedId}` }), 'visible to anyone?');
  const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>`;
  await send(await mustSign({ method: 'POST', url: `${base}/${key}?uploadId=${encodedId}` }), complete);

  const anonymous = await sendRaw('GET', `${base}/${key}`);
  t.equal(anonymous.status, 403, 'an anonymous reader must not get the object');
});

t.test('presigned multipart upload keeps the configured ACL', async (t) => {
  const key = 'm/public-presigned-multipart.txt';
  await removeObject(key);
  const create = await send(await presign({ operation: 'CreateMultipartUpload', key }), undefined, { 'x-amz-acl': 'public-read' });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.body.toString())?.[1];
  if (uploadId === undefined) return;
  const part = await send(await presign({ operation: 'UploadPart', key, uploadId, partNumber: 1 }), 'visible to anyone?');
  const complete = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${String(part.headers.etag)}</ETag></Part></CompleteMultipartUpload>`;
  await send(await presign({ operation: 'CompleteMultipartUpload', key, uploadId }), complete);

  const anonymous = await sendRaw('GET', `${base}/${key}`);
  t.equal(anonymous.status, 403, 'an anonymous reader must not get the object');
});

t.test('copy keeps the configured ACL', async (t) => {
  await signedS3Request('PUT', `/${bucket}/m/acl-source.txt`, { body: 'visible to anyone?' });
  await removeObject('m/public-copy.txt');
  const copy = await mustSign({ method: 'PUT', url: `${base}/m/public-copy.txt`, headers: { 'x-amz-copy-source': `${bucket}/m/acl-source.txt` } });
  await send(copy, undefined, { 'x-amz-acl': 'public-read' });

  const anonymous = await sendRaw('GET', `${base}/m/public-copy.txt`);
  t.equal(anonymous.status, 403, 'an anonymous reader must not get the copy');
});

t.test('header-signed PUT keeps the configured ACL', async (t) => {
  const key = 'm/public-put.txt';
  await removeObject(key);
  const put = await mustSign({ method: 'PUT', url: `${base}/${key}` });
  t.equal(put.headers['x-amz-acl'], 'private', 'the canned ACL is a signed header');
  const smuggled = await send(put, 'visible to anyone?', { 'x-amz-acl': 'public-read' });
  t.equal(smuggled.status, 403, 'a second ACL value breaks the signature');
  t.equal(s3ErrorCode(smuggled.body), 'SignatureDoesNotMatch');
  t.equal((await sendRaw('GET', `${base}/${key}`)).status, 403, 'nothing public was stored');
});

t.test('described semantic headers are rejected', async (t) => {
  const cases: [description: Record<string, unknown>, field: string][] = [
    [{ method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-acl': 'public-read' } }, 'headers.x-amz-acl'],
    [
      { method: 'PUT', url: `${base}/m/a`, headers: { 'X-Amz-Grant-Read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' } },
      'headers.x-amz-grant-read',
    ],
    [{ method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-object-lock-legal-hold': 'ON' } }, 'headers.x-amz-object-lock-legal-hold'],
    [
      { method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-website-redirect-location': 'https://evil.test/' } },
      'headers.x-amz-website-redirect-location',
    ],
    [
      { method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-server-side-encryption-customer-algorithm': 'AES256' } },
      'headers.x-amz-server-side-encryption-customer-algorithm',
    ],
    [{ method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-metadata-directive': 'REPLACE' } }, 'headers.x-amz-metadata-directive'],
    [{ method: 'PUT', url: `${base}/m/a?partNumber=1&uploadId=abc`, headers: { 'x-amz-tagging': 'a=b' } }, 'headers.x-amz-tagging'],
    [
      { method: 'DELETE', url: `${base}/m/a?versionId=v1`, headers: { 'x-amz-bypass-governance-retention': 'true' } },
      'headers.x-amz-bypass-governance-retention',
    ],
    [{ method: 'GET', url: `${base}/m/a`, headers: { 'x-amz-copy-source': `${privateBucket}/payroll.csv` } }, 'headers.x-amz-copy-source'],
    [{ method: 'GET', url: `${base}/m/a`, headers: { 'x-amz-request-payer': 'requester' } }, 'headers.x-amz-request-payer'],
  ];
  for (const [description, field] of cases) {
    const { status, body } = await signRequest(description);
    t.equal(status, 400, field);
    t.equal(body.code, 'ERR_REQUEST_HEADER_NOT_ALLOWED', field);
    t.equal(body.field, field);
  }
});
