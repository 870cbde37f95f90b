import { rm } from 'node:fs/promises';
import t from 'tap';
import { createBucket, gatewayAccessKey, gatewayEndpoint, gatewaySecretKey, s3ErrorCode, startGateway } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// These tests send openraz's URLs to a real Ceph radosgw on 127.0.0.1, which verifies SigV4.
const bucket = 'openraz-e2e';
const policies = [
  {
    id: 1,
    name: 'alice owns e2e/',
    resources: { bucket: { values: [bucket] }, path: { values: ['e2e/'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
  },
];

await startGateway();
await createBucket(bucket);

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const credentials = { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey };

async function start(clock: () => Date): Promise<TestService> {
  const service = await startTestService({ keys, policies, credentials, endpoint: gatewayEndpoint, now: clock });
  t.teardown(() => service.close());
  return service;
}

const service = await start(() => new Date());

async function presign(body: Record<string, unknown>, target: TestService = service, at: Date = new Date()) {
  const token = await signToken(keys, { sub: 'alice' }, {}, at);
  const response = await target.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${token}` }, payload: { bucket, ...body } });
  return { status: response.statusCode, body: response.json() as { method: string; url: string; headers: Record<string, string>; code?: string } };
}

async function mustPresign(body: Record<string, unknown>): Promise<{ method: string; url: string }> {
  const { status, body: result } = await presign(body);
  if (status !== 200) throw new Error(`sign ${JSON.stringify(body)} failed: ${status} ${result.code}`);
  return result;
}

/** Replaces the query parameter `name` in a URL by string surgery, leaving the rest as it is. */
function replaceParam(url: string, name: string, value: string): string {
  return url.replace(new RegExp(`([?&]${name}=)[^&]*`), `$1${value}`);
}

t.test('object lifecycle through presigned URLs', async (t) => {
  const key = 'e2e/lifecycle/report.csv';
  const content = 'id,total\n1,42\n';

  const put = await mustPresign({ operation: 'PutObject', key });
  t.equal(put.method, 'PUT');
  t.equal((await sendRaw('PUT', put.url, content)).status, 200, 'PUT');

  const get = await mustPresign({ operation: 'GetObject', key });
  const downloaded = await sendRaw('GET', get.url);
  t.equal(downloaded.status, 200, 'GET');
  t.equal(downloaded.body.toString(), content, 'the bytes round-trip');

  const head = await mustPresign({ operation: 'HeadObject', key });
  t.equal((await sendRaw('HEAD', head.url)).status, 200, 'HEAD');
  t.equal((await sendRaw('HEAD', get.url)).status, 403, 'a GET URL does not work for HEAD');

  const list = await mustPresign({ operation: 'ListObjectsV2', prefix: 'e2e/lifecycle/' });
  const listing = await sendRaw('GET', list.url);
  t.equal(listing.status, 200, 'LIST');
  t.match(listing.body.toString(), /<Key>e2e\/lifecycle\/report\.csv<\/Key>/);

  t.equal((await sendRaw('DELETE', get.url)).status, 403, 'a GET URL does not work for DELETE');
  t.equal((await sendRaw('GET', get.url)).status, 200, 'the object survived the refused DELETE');

  const del = await mustPresign({ operation: 'DeleteObject', key });
  t.equal((await sendRaw('DELETE', del.url)).status, 204, 'DELETE');
  t.equal((await sendRaw('GET', get.url)).status, 404, 'the object is gone');
});

t.test('tampered URLs are rejected by the gateway', async (t) => {
  const key = 'e2e/tamper/a.txt';
  await sendRaw('PUT', (await mustPresign({ operation: 'PutObject', key })).url, 'a');
  await sendRaw('PUT', (await mustPresign({ operation: 'PutObject', key: 'e2e/tamper/b.txt' })).url, 'b');
  const get = await mustPresign({ operation: 'GetObject', key });
  t.equal((await sendRaw('GET', get.url)).status, 200, 'the untouched URL works');

  const otherKey = get.url.replace('/a.txt?', '/b.txt?');
  const changedKey = await sendRaw('GET', otherKey);
  t.equal(changedKey.status, 403, 'key changed');
  t.equal(s3ErrorCode(changedKey.body), 'SignatureDoesNotMatch');

  const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(get.url)![1]!;
  const flipped = signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0');
  const changedSignature = await sendRaw('GET', replaceParam(get.url, 'X-Amz-Signature', flipped));
  t.equal(changedSignature.status, 403, 'signature changed');
  t.equal(s3ErrorCode(changedSignature.body), 'SignatureDoesNotMatch');

  const changedExpiry = await sendRaw('GET', replaceParam(get.url, 'X-Amz-Expires', '604800'));
  t.equal(changedExpiry.status, 403, 'expiry extended');

  const list = await mustPresign({ operation: 'ListObjectsV2', prefix: 'e2e/tamper/' });
  t.equal((await sendRaw('GET', list.url)).status, 200, 'the list URL works');
  const widened = await sendRaw('GET', replaceParam(list.url, 'prefix', 'e2e%2F'));
  t.equal(widened.status, 403, 'list prefix changed');
  t.equal(s3ErrorCode(widened.body), 'SignatureDoesNotMatch');

  const put = await mustPresign({ operation: 'PutObject', key: 'e2e/tamper/c.txt' });
  const putElsewhere = await sendRaw('PUT', put.url.replace('/c.txt?', '/d.txt?'), 'x');
  t.equal(putElsewhere.status, 403, 'upload to another key');
});

t.test('expired URLs are rejected by the gateway', async (t) => {
  const key = 'e2e/expiry/a.txt';
  await sendRaw('PUT', (await mustPresign({ operation: 'PutObject', key })).url, 'a');

  const past = new Date(Date.now() - 10 * 60 * 1000);
  const pastService = await start(() => past);
  const { status, body } = await presign({ operation: 'GetObject', key, expiresInSeconds: 60 }, pastService, past);
  t.equal(status, 200);
  const expired = await sendRaw('GET', body.url);
  t.equal(expired.status, 403, 'signed ten minutes ago for one minute');
  t.equal(s3ErrorCode(expired.body), 'AccessDenied');

  const fresh = await mustPresign({ operation: 'GetObject', key, expiresInSeconds: 60 });
  t.equal((await sendRaw('GET', fresh.url)).status, 200, 'the same request signed now works');
});

t.test('denied requests get no URL', async (t) => {
  const { status, body } = await presign({ operation: 'GetObject', key: 'other/secret.txt' });
  t.equal(status, 403);
  t.equal(body.code, 'ERR_ACCESS_DENIED');
  t.notOk('url' in body);
  const list = await presign({ operation: 'ListObjectsV2', prefix: 'e2e' });
  t.equal(list.status, 403, 'prefix e2e would also list e2e-other/');
});

t.test('keys with special characters round-trip', async (t) => {
  const keys = [
    'e2e/chars/with space.txt',
    'e2e/chars/libstdc++ docs.rpm',
    'e2e/chars/100% done',
    'e2e/chars/a%20b',
    'e2e/chars/a%2Fb',
    "e2e/chars/it's (1)*~!.pdf",
    'e2e/chars/q#b?c=d&e',
    'e2e/chars/über naïve 日本.txt',
    'e2e/chars/dir/',
    'e2e/chars/a//b',
  ];
  for (const key of keys) {
    const content = `content of ${key}`;
    const put = await sendRaw('PUT', (await mustPresign({ operation: 'PutObject', key })).url, content);
    t.equal(put.status, 200, `PUT ${key}`);
    const get = await sendRaw('GET', (await mustPresign({ operation: 'GetObject', key })).url);
    t.equal(get.status, 200, `GET ${key}`);
    t.equal(get.body.toString(), content, `bytes of ${key}`);
  }

  const listing = await sendRaw('GET', (await mustPresign({ operation: 'ListObjectsV2', prefix: 'e2e/chars/' })).url);
  t.equal(listing.status, 200);
  const listed = [...listing.body.toString().matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => decodeXml(match[1]!));
  t.same(listed.sort(), [...keys].sort(), 'the gateway stored exactly the keys that were signed');
});

function decodeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name]!);
}

t.test('signed upload headers are enforced by the gateway', async (t) => {
  const key = 'e2e/typed/photo.png';
  const content = 'not really a png';
  const put = (await presign({ operation: 'PutObject', key, contentType: 'image/png', contentLength: content.length })).body;
  t.same(put.headers, { 'content-type': 'image/png', 'content-length': String(content.length) });

  const wrongType = await sendRaw('PUT', put.url, content, { 'content-type': 'image/jpeg' });
  t.equal(wrongType.status, 403, 'another content type');
  t.equal(s3ErrorCode(wrongType.body), 'SignatureDoesNotMatch');
  const wrongSize = await sendRaw('PUT', put.url, `${content}!`, { 'content-type': 'image/png' });
  t.equal(wrongSize.status, 403, 'another size');

  const right = await sendRaw('PUT', put.url, content, put.headers);
  t.equal(right.status, 200, 'the declared type and size');
  const head = await sendRaw('HEAD', (await mustPresign({ operation: 'HeadObject', key })).url);
  t.equal(head.status, 200);
});
