import t from 'tap';
import { parseStorageTarget, presignPost, type PostUploadRequest, type StorageTarget } from '../../src/s3/index.js';
import { createSdkClient, presignPostWithSdk } from '../fixtures/sdk-presigned-post.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const sessionCredentials = { ...credentials, sessionToken: 'FwoGZXIvYXdzEBYaDEXAMPLETOKEN+/=' };
// 250 ms past the second, to show that X-Amz-Date and the expiration drop the fraction.
const signingDate = new Date('2026-01-02T23:59:59.250Z');
const local = parseStorageTarget('http://127.0.0.1:9000', 'us-east-1', true);
const aws = parseStorageTarget('https://s3.eu-central-1.amazonaws.com', 'eu-central-1', false);

function presign(request: Partial<PostUploadRequest>, target: StorageTarget = local, creds: typeof credentials = credentials) {
  return presignPost(target, creds, { bucket: 'uploads', expiresInSeconds: 600, signingDate, ...request });
}

function decodePolicy(fields: Record<string, string>): { expiration: string; conditions: unknown[] } {
  return JSON.parse(Buffer.from(fields.Policy ?? '', 'base64').toString('utf8'));
}

const credentialConditions = [
  { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
  { 'X-Amz-Credential': 'AKIDEXAMPLE/20260102/us-east-1/s3/aws4_request' },
  { 'X-Amz-Date': '20260102T235959Z' },
];

t.test('exact key policy', async (t) => {
  const post = presign({ key: 'inbox/report 1.csv', constraints: { maxBytes: 1_048_576, contentTypes: ['text/csv'] } });

  t.same(decodePolicy(post.fields), {
    expiration: '2026-01-03T00:09:59Z',
    conditions: [
      { bucket: 'uploads' },
      ['eq', '$key', 'inbox/report 1.csv'],
      ['content-length-range', 0, 1_048_576],
      ['eq', '$Content-Type', 'text/csv'],
      ...credentialConditions,
    ],
  });
  t.strictSame(Object.keys(post.fields), ['key', 'Content-Type', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'Policy', 'X-Amz-Signature']);
  t.equal(post.fields.key, 'inbox/report 1.csv', 'the key is sent as it is, not URL-encoded');
  t.equal(post.fields['Content-Type'], 'text/csv');
  t.equal(post.fields['X-Amz-Credential'], 'AKIDEXAMPLE/20260102/us-east-1/s3/aws4_request', 'credential scope');
  t.equal(post.fields['X-Amz-Date'], '20260102T235959Z');
  t.match(post.fields['X-Amz-Signature'], /^[0-9a-f]{64}$/);
  t.equal(post.expiresAt.toISOString(), '2026-01-03T00:09:59.000Z', 'signing second plus expiry');
  t.equal(post.url, 'http://127.0.0.1:9000/uploads');
});

t.test('prefix policy', async (t) => {
  const post = presign({ prefix: 'inbox/alice/', constraints: { minBytes: 1, maxBytes: 10, contentTypes: ['image/*'] } });

  t.same(decodePolicy(post.fields).conditions, [
    { bucket: 'uploads' },
    ['starts-with', '$key', 'inbox/alice/'],
    ['content-length-range', 1, 10],
    ['starts-with', '$Content-Type', 'image/'],
    ...credentialConditions,
  ]);
  t.equal(post.fields.key, 'inbox/alice/${filename}', 'S3 puts the uploaded file name in place of ${filename}');
  t.notOk('Content-Type' in post.fields, 'the form chooses the type within the family');
});

t.test('session token in fields and policy', async (t) => {
  const post = presign({ key: 'a.txt' }, local, sessionCredentials);

  t.equal(post.fields['X-Amz-Security-Token'], sessionCredentials.sessionToken);
  t.same(decodePolicy(post.fields).conditions.at(-1), { 'X-Amz-Security-Token': sessionCredentials.sessionToken });
  t.notOk('X-Amz-Security-Token' in presign({ key: 'a.txt' }).fields, 'long-term keys send no token');
});

t.test('encryption and canned ACL', async (t) => {
  const target = { ...local, putObjectAcl: 'bucket-owner-full-control' };
  const post = presign({ key: 'a.txt', constraints: { serverSideEncryption: 'AES256' } }, target);

  t.equal(post.fields['x-amz-server-side-encryption'], 'AES256');
  t.equal(post.fields.acl, 'bucket-owner-full-control', 'the target ACL applies to form uploads too');
  const conditions = decodePolicy(post.fields).conditions;
  t.same(conditions.slice(3, 5), [{ acl: 'bucket-owner-full-control' }, { 'x-amz-server-side-encryption': 'AES256' }]);

  const kms = presign({ key: 'a.txt', constraints: { serverSideEncryption: 'aws:kms' } });
  t.equal(kms.fields['x-amz-server-side-encryption'], 'aws:kms');
});

t.test('content type choices', async (t) => {
  const cases: [contentTypes: string[] | undefined, condition: unknown, field: string | undefined][] = [
    [undefined, ['starts-with', '$Content-Type', ''], undefined],
    [['*/*'], ['starts-with', '$Content-Type', ''], undefined],
    [['image/png'], ['eq', '$Content-Type', 'image/png'], 'image/png'],
    [['image/png', 'image/png'], ['eq', '$Content-Type', 'image/png'], 'image/png'],
    [['text/plain; charset=utf-8'], ['eq', '$Content-Type', 'text/plain; charset=utf-8'], 'text/plain; charset=utf-8'],
    [['application/*'], ['starts-with', '$Content-Type', 'application/'], undefined],
  ];
  for (const [contentTypes, condition, field] of cases) {
    const post = presign({ key: 'a', constraints: { ...(contentTypes === undefined ? {} : { contentTypes }) } });
    t.same(decodePolicy(post.fields).conditions[2], condition, `${JSON.stringify(contentTypes)}: condition`);
    t.equal(post.fields['Content-Type'], field, `${JSON.stringify(contentTypes)}: field`);
  }
});

t.test('invalid constraints rejected', async (t) => {
  const cases: [request: Partial<PostUploadRequest>, code: string, field: string][] = [
    [{ key: 'a', constraints: { contentTypes: ['image/png', 'image/jpeg'] } }, 'ERR_REQUEST_INVALID', 'contentTypes'],
    [{ key: 'a', constraints: { contentTypes: ['image/*', 'image/png'] } }, 'ERR_REQUEST_INVALID', 'contentTypes'],
    [{ key: 'a', constraints: { contentTypes: [] } }, 'ERR_REQUEST_INVALID', 'contentTypes'],
    [{ key: 'a', constraints: { contentTypes: ['image'] } }, 'ERR_REQUEST_INVALID', 'contentTypes'],
    [{ key: 'a', constraints: { contentTypes: ['*/png'] } }, 'ERR_REQUEST_INVALID', 'contentTypes'],
    [{ key: 'a', constraints: { minBytes: 1 } }, 'ERR_REQUEST_INVALID', 'minBytes'],
    [{ key: 'a', constraints: { minBytes: 11, maxBytes: 10 } }, 'ERR_REQUEST_INVALID', 'minBytes'],
    [{ key: 'a', constraints: { maxBytes: -1 } }, 'ERR_REQUEST_INVALID', 'maxBytes'],
    [{ key: 'a', constraints: { maxBytes: 1.5 } }, 'ERR_REQUEST_INVALID', 'maxBytes'],
    [{ key: 'a', constraints: { minBytes: Number.NaN, maxBytes: 5 } }, 'ERR_REQUEST_INVALID', 'minBytes'],
    [{}, 'ERR_REQUEST_INVALID', 'key'],
    [{ key: 'a', prefix: 'b/' }, 'ERR_REQUEST_INVALID', 'prefix'],
    [{ key: '' }, 'ERR_REQUEST_INVALID', 'key'],
    [{ key: 'a/${filename}' }, 'ERR_REQUEST_INVALID', 'key'],
    [{ prefix: '${filename}/' }, 'ERR_REQUEST_INVALID', 'prefix'],
    [{ key: 'a\nb' }, 'ERR_REQUEST_KEY_INVALID', 'key'],
    [{ prefix: 'x'.repeat(1025) }, 'ERR_REQUEST_KEY_INVALID', 'prefix'],
  ];
  for (const [request, code, field] of cases) {
    t.throws(() => presign(request), { code, details: { field } }, JSON.stringify(request));
  }
});

t.test('expiry bounds', async (t) => {
  for (const expiresInSeconds of [0, 604_801, 1.5]) {
    t.throws(() => presign({ key: 'a', expiresInSeconds }), RangeError, String(expiresInSeconds));
  }
  const week = presign({ key: 'a', expiresInSeconds: 604_800 });
  t.equal(decodePolicy(week.fields).expiration, '2026-01-09T23:59:59Z');
});

t.test('form URL addressing', async (t) => {
  t.equal(presign({ key: 'a' }, aws).url, 'https://uploads.s3.eu-central-1.amazonaws.com/', 'virtual-hosted');
  t.equal(presign({ key: 'a', bucket: 'my.uploads' }, aws).url, 'https://s3.eu-central-1.amazonaws.com/my.uploads', 'dotted bucket: path style');
  t.equal(presign({ key: 'a' }, parseStorageTarget('https://store.example:8443', 'us-east-1', true)).url, 'https://store.example:8443/uploads');
});

// The AWS SDK's createPresignedPost is the oracle. Given the conditions of our policy, it adds
// its own bucket, key, credential and date conditions. They merge with ours only when both
// implementations compute the same values, so equal policies and signatures check all of them.
t.test('matches @aws-sdk/s3-presigned-post', async (t) => {
  const cases: [name: string, target: StorageTarget, creds: typeof credentials][] = [
    ['path style, session token', local, sessionCredentials],
    ['virtual-hosted, long-term key', aws, credentials],
  ];
  for (const [name, target, creds] of cases) {
    const post = presign(
      {
        prefix: 'inbox/bob/',
        expiresInSeconds: 900,
        signingDate: new Date('2026-03-04T05:06:07Z'),
        constraints: { maxBytes: 5, contentTypes: ['image/*'], serverSideEncryption: 'AES256' },
      },
      target,
      creds,
    );
    const sdk = await presignPostWithSdk(
      createSdkClient(target, creds),
      { Bucket: 'uploads', Key: 'inbox/bob/${filename}', Conditions: decodePolicy(post.fields).conditions as never, Expires: 900 },
      new Date('2026-03-04T05:06:07Z'),
    );

    t.equal(sdk.fields.Policy, post.fields.Policy, `${name}: same policy bytes`);
    t.equal(sdk.fields['X-Amz-Signature'], post.fields['X-Amz-Signature'], `${name}: same signature`);
    for (const field of ['key', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Security-Token']) {
      t.equal(sdk.fields[field], post.fields[field], `${name}: same ${field}`);
    }
    t.equal(sdk.url, post.url, `${name}: same form URL`);
  }
});
