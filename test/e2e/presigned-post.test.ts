import { randomBytes } from 'node:crypto';
import t from 'tap';
import {
  encodeKeyPath,
  parseStorageTarget,
  presignPost,
  type PostUploadRequest,
  type PresignedPost,
  type StorageCredentials,
} from '../../src/s3/index.js';
import {
  createBucket,
  gatewayAccessKey,
  gatewayEndpoint,
  gatewayRegion,
  gatewaySecretKey,
  getSessionToken,
  s3ErrorCode,
  signedS3Request,
  startGateway,
  stsGatewayEndpoint,
} from '../fixtures/gateway.js';

// Browser form uploads (POST Object with a SigV4 POST policy) sent to a real Ceph radosgw on
// 127.0.0.1, which checks the signature and every policy condition.
const bucket = 'post-e2e-forms';
const credentials: StorageCredentials = { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey };
const target = parseStorageTarget(gatewayEndpoint, gatewayRegion, true);

await startGateway();
await createBucket(bucket);

function presign(
  request: Omit<PostUploadRequest, 'bucket' | 'expiresInSeconds' | 'signingDate'> & Partial<PostUploadRequest>,
  creds = credentials,
  storage = target,
): PresignedPost {
  return presignPost(storage, creds, { bucket, expiresInSeconds: 300, signingDate: new Date(), ...request });
}

interface FormOptions {
  /** Fields to add or replace; `undefined` removes the field. */
  fields?: Record<string, string | undefined>;
  fileName?: string;
}

/** Sends the form as a browser would: the fields in order, then the file as the last part. */
async function submit(
  post: PresignedPost,
  content: Buffer | string,
  options: FormOptions = {},
): Promise<{ status: number; code: string | undefined; message: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...options.fields })) {
    if (value !== undefined) form.append(name, value);
  }
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)]), options.fileName ?? 'upload.bin');

  const response = await fetch(post.url, { method: 'POST', body: form });
  const body = await response.text();
  return { status: response.status, code: s3ErrorCode(body), message: /<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '' };
}

async function removeObject(key: string): Promise<void> {
  await signedS3Request('DELETE', `/${bucket}/${encodeKeyPath(key)}`);
}

async function objectStatus(key: string): Promise<number> {
  return (await signedS3Request('HEAD', `/${bucket}/${encodeKeyPath(key)}`)).status;
}

t.test('exact key upload stores the bytes', async (t) => {
  const key = 'forms/exact/data.bin';
  await removeObject(key);
  const content = randomBytes(4096);
  const post = presign({ key, constraints: { maxBytes: 4096, contentTypes: ['application/octet-stream'] } });

  const upload = await submit(post, content);
  t.equal(upload.status, 204, `accepted (${upload.code ?? 'no error'})`);

  const stored = await signedS3Request('GET', `/${bucket}/${encodeKeyPath(key)}`);
  t.equal(stored.status, 200);
  t.ok(stored.body.equals(content), 'the stored object has the uploaded bytes');
  t.equal(stored.headers['content-type'], 'application/octet-stream', 'the signed type is stored');
});

t.test('prefix upload takes the file name', async (t) => {
  const key = 'forms/prefix/alice/photo 1.png';
  await removeObject(key);
  const post = presign({ prefix: 'forms/prefix/alice/', constraints: { maxBytes: 100, contentTypes: ['image/*'] } });

  const upload = await submit(post, 'not really a PNG', { fileName: 'photo 1.png', fields: { 'Content-Type': 'image/png' } });
  t.equal(upload.status, 204, `accepted (${upload.code ?? 'no error'})`);

  const stored = await signedS3Request('GET', `/${bucket}/${encodeKeyPath(key)}`);
  t.equal(stored.status, 200, '${filename} became the uploaded file name');
  t.equal(stored.body.toString(), 'not really a PNG');
  t.equal(stored.headers['content-type'], 'image/png', 'the type the form chose within the family');
});

t.test('open content type accepts any type', async (t) => {
  const key = 'forms/open/page.txt';
  await removeObject(key);
  const post = presign({ key });

  t.equal((await submit(post, 'no type')).status, 204, 'without a Content-Type field');
  t.equal((await submit(post, 'typed', { fields: { 'Content-Type': 'text/plain' } })).status, 204, 'with a Content-Type field');
  t.equal((await signedS3Request('HEAD', `/${bucket}/${encodeKeyPath(key)}`)).headers['content-type'], 'text/plain');
});

t.test('target ACL is accepted', async (t) => {
  const key = 'forms/acl/owned.txt';
  await removeObject(key);
  const post = presign({ key }, credentials, { ...target, putObjectAcl: 'bucket-owner-full-control' });

  t.equal(post.fields.acl, 'bucket-owner-full-control');
  const upload = await submit(post, 'owned');
  t.equal(upload.status, 204, `accepted (${upload.code ?? 'no error'})`);
});

t.test('session token upload', async (t) => {
  const temporary = await getSessionToken();
  const stsTarget = parseStorageTarget(stsGatewayEndpoint, gatewayRegion, true);
  const key = 'forms/sts/token.txt';
  await removeObject(key);
  const post = presign({ key }, temporary, stsTarget);

  const changedToken = `${temporary.sessionToken.slice(0, -4)}AAAA`;
  const forged = await submit(post, 'forged', { fields: { 'X-Amz-Security-Token': changedToken } });
  t.equal(forged.status, 403, 'a changed session token is rejected');
  t.equal(forged.code, 'AccessDenied');
  t.equal((await submit(post, 'no token', { fields: { 'X-Amz-Security-Token': undefined } })).status, 403, 'a form without the token is rejected');
  t.equal(await objectStatus(key), 404, 'nothing was stored');

  const upload = await submit(post, 'temporary credentials');
  t.equal(upload.status, 204, `accepted (${upload.code ?? 'no error'})`);
});

t.test('forms the gateway rejects', async (t) => {
  const key = 'forms/rejected/file.txt';
  const exact = presign({ key, constraints: { maxBytes: 10 } });
  const typed = presign({ key, constraints: { contentTypes: ['image/png'] } });
  const family = presign({ key, constraints: { contentTypes: ['image/*'] } });
  const encrypted = presign({ key, constraints: { serverSideEncryption: 'AES256' } });
  const prefixed = presign({ prefix: 'forms/rejected/alice/', constraints: { maxBytes: 10 } });
  const expired = presign({ key, expiresInSeconds: 60, signingDate: new Date(Date.now() - 2 * 3600 * 1000) });

  const policy = JSON.parse(Buffer.from(exact.fields.Policy!, 'base64').toString('utf8'));
  policy.conditions[2] = ['content-length-range', 0, 1_000_000];
  const widenedPolicy = Buffer.from(JSON.stringify(policy), 'utf8').toString('base64');
  const signature = exact.fields['X-Amz-Signature']!;
  const changedSignature = `${signature[0] === '0' ? '1' : '0'}${signature.slice(1)}`;

  const cases: [name: string, post: PresignedPost, content: string, options: FormOptions, status: number, code: string, message: RegExp][] = [
    ['file larger than maxBytes', exact, 'eleven byte', {}, 400, 'EntityTooLarge', /^$/],
    ['key outside the prefix', prefixed, 'x', { fields: { key: 'forms/rejected/bob/x' } }, 403, 'AccessDenied', /starts-with: \$key/],
    ['key other than the exact key', exact, 'x', { fields: { key: 'forms/rejected/other.txt' } }, 403, 'AccessDenied', /key/],
    ['changed Policy', exact, 'a larger file than allowed', { fields: { Policy: widenedPolicy } }, 403, 'AccessDenied', /^$/],
    ['changed signature', exact, 'x', { fields: { 'X-Amz-Signature': changedSignature } }, 403, 'AccessDenied', /^$/],
    ['expired form', expired, 'x', {}, 403, 'AccessDenied', /Policy expired/],
    ['wrong Content-Type', typed, 'x', { fields: { 'Content-Type': 'text/html' } }, 403, 'AccessDenied', /eq: \$Content-Type/],
    ['missing Content-Type', typed, 'x', { fields: { 'Content-Type': undefined } }, 403, 'AccessDenied', /eq: \$Content-Type/],
    ['type outside the family', family, 'x', { fields: { 'Content-Type': 'text/html' } }, 403, 'AccessDenied', /starts-with: \$Content-Type/],
    [
      'missing encryption field',
      encrypted,
      'x',
      { fields: { 'x-amz-server-side-encryption': undefined } },
      403,
      'AccessDenied',
      /x-amz-server-side-encryption/,
    ],
    ['field without a condition', exact, 'x', { fields: { acl: 'public-read' } }, 403, 'AccessDenied', /missing condition: acl/],
    [
      'metadata without a condition',
      exact,
      'x',
      { fields: { 'x-amz-meta-owner': 'mallory' } },
      403,
      'AccessDenied',
      /missing condition: x-amz-meta-owner/,
    ],
  ];
  for (const [name, post, content, options, status, code, message] of cases) {
    const storedKey = options.fields?.key ?? key;
    await removeObject(storedKey);
    const result = await submit(post, content, options);
    t.equal(result.status, status, `${name}: status`);
    t.equal(result.code, code, `${name}: code`);
    t.match(result.message, message, `${name}: reason`);
    t.equal(await objectStatus(storedKey), 404, `${name}: nothing stored`);
  }
});

t.test('file smaller than minBytes', async (t) => {
  const key = 'forms/rejected/small.txt';
  await removeObject(key);
  const result = await submit(presign({ key, constraints: { minBytes: 5, maxBytes: 10 } }), 'tiny');
  t.equal(result.status, 400);
  t.equal(result.code, 'EntityTooSmall');
  t.equal(await objectStatus(key), 404, 'nothing stored');
});

// This gateway runs with rgw_crypt_require_ssl = true (the default in Ceph 16.2) on plain
// HTTP and has no default encryption key, so it returns 400 InvalidRequest to any request for
// server-side encryption. The first test shows that such a form passes the signature and policy checks.
const SSE_TODO = 'Ceph RGW rejects server-side encryption over plain HTTP (rgw_crypt_require_ssl); needs a gateway with TLS and an encryption key';

t.test('encrypted form passes the policy check', async (t) => {
  const key = 'forms/encrypted/checked.txt';
  await removeObject(key);
  const post = presign({ key, constraints: { serverSideEncryption: 'AES256' } });

  const forged = await submit(post, 'x', { fields: { 'X-Amz-Signature': '0'.repeat(64) } });
  t.equal(forged.status, 403, 'a wrong signature is still rejected as such');
  const upload = await submit(post, 'encrypted at rest');
  t.equal(upload.status, 400, 'the gateway refuses only the encryption itself');
  t.equal(upload.code, 'InvalidRequest');
  t.equal(await objectStatus(key), 404, 'nothing stored');
});

t.test('encrypted upload is accepted', { todo: SSE_TODO }, async (t) => {
  const key = 'forms/encrypted/secret.txt';
  await removeObject(key);
  const upload = await submit(presign({ key, constraints: { serverSideEncryption: 'AES256' } }), 'encrypted at rest');
  t.equal(upload.status, 204, `accepted (${upload.code ?? 'no error'})`);
});
