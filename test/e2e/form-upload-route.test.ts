import t from 'tap';
import { gatewayEndpoint, signedS3Request } from '../fixtures/gateway.js';
import { startGatewayService } from '../fixtures/gateway-service.js';
import { createSigningClient, submitForm, type PostForm, type SignResponse } from '../fixtures/signing-client.js';

// POST /v1/sign/post: the policies' upload conditions become the POST policy that a real
// Ceph radosgw on 127.0.0.1 enforces.
const bucket = 'openraz-forms-route';
const policies = [
  {
    id: 'avatars',
    name: 'bob uploads small images under avatars/',
    resources: { bucket: { values: [bucket] }, path: { values: ['avatars/'], isRecursive: true } },
    policyItems: [
      {
        users: ['bob'],
        accesses: [{ type: 'write' }],
        conditions: [
          { type: 'max-object-size', values: ['1000'] },
          { type: 'content-types', values: ['image/*'] },
        ],
      },
    ],
  },
  {
    id: 'docs',
    name: 'bob uploads documents of two types',
    resources: { bucket: { values: [bucket] }, path: { values: ['docs/'], isRecursive: true } },
    policyItems: [
      { users: ['bob'], accesses: [{ type: 'write' }], conditions: [{ type: 'content-types', values: ['application/pdf', 'text/plain'] }] },
    ],
  },
  {
    id: 'once',
    name: 'bob writes once',
    resources: { bucket: { values: [bucket] }, path: { values: ['once/'], isRecursive: true } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'write' }], conditions: [{ type: 'if-none-match', values: ['*'] }] }],
  },
  {
    id: 'team',
    name: 'bob writes team/a/ only',
    resources: { bucket: { values: [bucket] }, path: { values: ['team/a/'], isRecursive: true } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'write' }] }],
  },
];

// The service signs with the real clock, because the gateway checks the form's expiration against its own.
const { keys, service } = await startGatewayService(t, { buckets: [bucket], policies });
const client = createSigningClient(service, keys, { bucket });

function requestForm(body: Record<string, unknown>): Promise<SignResponse> {
  return client.sign('bob', body, '/v1/sign/post');
}

function submit(
  form: PostForm,
  content: string,
  fields: Record<string, string> = {},
  fileName = 'upload.bin',
): Promise<{ status: number; code: string | undefined }> {
  return submitForm(form.url, Object.entries({ ...form.fields, ...fields }), { content, fileName });
}

function decodePolicy(form: PostForm): { conditions: unknown[] } {
  return JSON.parse(Buffer.from(form.fields.Policy!, 'base64').toString('utf8'));
}

t.test('B08 the size limit becomes content-length-range', async (t) => {
  const { status, json } = await requestForm({ key: 'avatars/bob.png', contentType: 'image/png' });
  t.equal(status, 200);
  const form = json as unknown as PostForm;
  t.equal(form.method, 'POST');
  t.equal(form.url, `${gatewayEndpoint}/${bucket}`);
  const { conditions } = decodePolicy(form);
  t.same(
    conditions.filter((condition) => Array.isArray(condition)),
    [
      ['eq', '$key', 'avatars/bob.png'],
      ['content-length-range', 0, 1000],
      ['eq', '$Content-Type', 'image/png'],
    ],
  );

  t.equal((await submit(form, 'x'.repeat(1000))).status, 204, 'a file at the limit is stored');
  const tooLarge = await submit(form, 'x'.repeat(1001));
  t.equal(tooLarge.status, 400, 'a file over the limit is rejected by the gateway');
  t.equal(tooLarge.code, 'EntityTooLarge');
  t.equal((await submit(form, 'x', { 'Content-Type': 'text/html' })).status, 403, 'another content type is rejected');
  t.equal((await signedS3Request('HEAD', `/${bucket}/avatars/bob.png`)).status, 200);
});

t.test('a type family without a declared type', async (t) => {
  const { status, json } = await requestForm({ key: 'avatars/any.gif' });
  t.equal(status, 200);
  const form = json as unknown as PostForm;
  t.match(JSON.stringify(decodePolicy(form).conditions), '["starts-with","$Content-Type","image/"]');
  t.equal((await submit(form, 'gif', { 'Content-Type': 'image/gif' })).status, 204);
  t.equal((await submit(form, 'html', { 'Content-Type': 'text/html' })).status, 403);
});

t.test('several allowed types need a declared type', async (t) => {
  const missing = await requestForm({ key: 'docs/a' });
  t.equal(missing.status, 400);
  t.equal(missing.json.code, 'ERR_REQUEST_INVALID');
  t.equal(missing.json.field, 'contentType');
  t.notOk(missing.json.fields);

  const declared = await requestForm({ key: 'docs/a.txt', contentType: 'text/plain' });
  t.equal(declared.status, 200);
  const other = await requestForm({ key: 'docs/a.txt', contentType: 'text/html' });
  t.equal(other.status, 403, 'a declared type outside the list is denied');
});

t.test('a prefix form needs write on every key under it', async (t) => {
  const allowed = await requestForm({ prefix: 'team/a/' });
  t.equal(allowed.status, 200);
  const form = allowed.json as unknown as PostForm;
  t.equal(form.fields.key, 'team/a/${filename}');
  t.equal((await submit(form, 'report', {}, 'report.txt')).status, 204, 'the file name completes the key');
  t.equal((await signedS3Request('HEAD', `/${bucket}/team/a/report.txt`)).status, 200);
  t.equal((await submit(form, 'escape', { key: 'team/b/x' })).status, 403, 'a key outside the prefix is rejected');

  const sibling = await requestForm({ prefix: 'team/a' });
  t.equal(sibling.status, 403, '"team/a" would also admit team/ab');
  t.equal(sibling.json.code, 'ERR_ACCESS_DENIED');
});

t.test('a write-once policy does not allow forms', async (t) => {
  const { status, json } = await requestForm({ key: 'once/a' });
  t.equal(status, 403);
  t.equal(json.code, 'ERR_ACCESS_DENIED');
});

t.test('invalid form requests name the field', async (t) => {
  const cases: [body: Record<string, unknown>, field: string][] = [
    [{}, 'key'],
    [{ key: 'a', prefix: 'b' }, 'key'],
    [{ key: 'a\u0000' }, 'key'],
    [{ prefix: 'p\n' }, 'prefix'],
    [{ key: 'a', contentType: 'png' }, 'contentType'],
    [{ key: 'a', expiresInSeconds: 0 }, 'expiresInSeconds'],
  ];
  for (const [body, field] of cases) {
    const { status, json } = await requestForm(body);
    t.equal(status, 400, JSON.stringify(body));
    t.equal(json.field, field, JSON.stringify(body));
  }
});
