import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import t from 'tap';
import {
  createBucket,
  gatewayAccessKey,
  gatewayEndpoint,
  gatewaySecretKey,
  getSessionToken,
  s3ErrorCode,
  startGateway,
  stsGatewayEndpoint,
} from '../fixtures/gateway.js';
import { sendRaw, type RawResponse } from '../fixtures/raw-http.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// Requests signed with headers by POST /v1/sign/request, sent with node:http exactly as
// returned to a real Ceph radosgw on 127.0.0.1, which verifies SigV4.
const bucket = 'headers-signed-e2e';
const policies = [
  {
    id: 1,
    name: 'alice owns e2e/',
    resources: { bucket: { values: [bucket] }, path: { values: ['e2e/'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
  },
  {
    id: 2,
    name: 'alice lists the bucket',
    resources: { bucket: { values: [bucket] }, path: { values: ['*'] } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'list' }] }],
  },
];

await startGateway();
await createBucket(bucket);

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

async function start(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }): Promise<TestService> {
  const service = await startTestService({ keys, policies, credentials, endpoint, now: () => new Date() });
  t.teardown(() => service.close());
  return service;
}

const service = await start(gatewayEndpoint, { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey });
const base = `${gatewayEndpoint}/${bucket}`;

interface SignedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

async function signRequest(
  body: Record<string, unknown>,
  target: TestService = service,
): Promise<{ status: number; body: SignedRequest & { code?: string } }> {
  const token = await signToken(keys, { sub: 'alice' }, {}, new Date());
  const response = await target.app.inject({ method: 'POST', url: '/v1/sign/request', headers: { authorization: `Bearer ${token}` }, payload: body });
  return { status: response.statusCode, body: response.json() };
}

async function mustSign(body: Record<string, unknown>, target: TestService = service): Promise<SignedRequest> {
  const { status, body: result } = await signRequest(body, target);
  if (status !== 200) throw new Error(`sign ${JSON.stringify(body)} failed: ${status} ${result.code}`);
  return result;
}

/** Sends the signed request as it is: the same method, URL bytes and headers. */
function send(signed: SignedRequest, body?: Buffer | string, headers: Record<string, string> = signed.headers): Promise<RawResponse> {
  return sendRaw(signed.method, signed.url, body, headers);
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

t.test('object round trip with signed headers', async (t) => {
  const key = 'e2e/round/report%20v1.csv';
  const content = 'id,total\n1,42\n2,43\n';

  const put = await mustSign({
    method: 'PUT',
    url: `${base}/${key}`,
    headers: { 'Content-Type': 'text/csv', 'x-amz-meta-color': 'blue', 'User-Agent': 'e2e' },
  });
  t.equal(put.headers['content-type'], 'text/csv');
  t.equal(put.headers['x-amz-meta-color'], 'blue');
  t.equal((await send(put, content)).status, 200, 'PUT');

  const range = await mustSign({ method: 'GET', url: `${base}/${key}`, headers: { Range: 'bytes=3-7' } });
  const partial = await send(range);
  t.equal(partial.status, 206, 'GET with Range');
  t.equal(partial.body.toString(), content.slice(3, 8), 'the bytes of the range');

  const get = await mustSign({ method: 'GET', url: `${base}/${key}?response-content-disposition=attachment%3B%20filename%3D%22r.csv%22` });
  const whole = await send(get);
  t.equal(whole.status, 200, 'GET');
  t.equal(whole.body.toString(), content, 'the bytes round-trip');
  t.equal(whole.headers['content-disposition'], 'attachment; filename="r.csv"', 'the signed response override applies');

  const head = await send(await mustSign({ method: 'HEAD', url: `${base}/${key}` }));
  t.equal(head.status, 200, 'HEAD');
  t.equal(head.headers['x-amz-meta-color'], 'blue', 'the signed metadata was stored');
  t.equal(head.headers['content-type'], 'text/csv');

  const list = await send(await mustSign({ method: 'GET', url: `${base}?list-type=2&prefix=e2e%2Fround%2F` }));
  t.equal(list.status, 200, 'ListObjectsV2');
  t.match(list.body.toString(), '<Key>e2e/round/report v1.csv</Key>');

  const listV1 = await send(await mustSign({ method: 'GET', url: `${base}?prefix=e2e%2Fround%2F&max-keys=5` }));
  t.equal(listV1.status, 200, 'ListObjects');
  t.match(listV1.body.toString(), '<Key>e2e/round/report v1.csv</Key>');

  t.equal((await send(await mustSign({ method: 'HEAD', url: base }))).status, 200, 'HeadBucket');
});

t.test('a signed payload hash binds the bytes', async (t) => {
  const key = 'e2e/hash/a.txt';
  const content = 'exactly these bytes';
  const put = await mustSign({ method: 'PUT', url: `${base}/${key}`, payloadHash: sha256(content) });
  t.equal(put.headers['X-Amz-Content-Sha256'], sha256(content));

  const other = await send(put, 'other bytes here!!');
  t.equal(other.status, 400, 'other bytes');
  t.equal(s3ErrorCode(other.body), 'XAmzContentSHA256Mismatch');
  t.equal((await send(put, content)).status, 200, 'the hashed bytes');
});

t.test('multipart upload', async (t) => {
  const key = 'e2e/multipart/big.bin';
  const url = `${base}/${key}`;
  const create = await send(await mustSign({ method: 'POST', url: `${url}?uploads`, headers: { 'content-type': 'application/octet-stream' } }));
  t.equal(create.status, 200, 'CreateMultipartUpload');
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(create.body.toString())?.[1];
  t.ok(uploadId, 'an upload id');
  const encodedId = encodeURIComponent(uploadId!);

  const first = Buffer.alloc(5 * 1024 * 1024, 'a');
  const second = Buffer.from('the last part');
  const etags: string[] = [];
  for (const [index, part] of [first, second].entries()) {
    const signed = await mustSign({
      method: 'PUT',
      url: `${url}?partNumber=${index + 1}&uploadId=${encodedId}`,
      headers: { 'content-length': String(part.length) },
      payloadHash: sha256(part),
    });
    const response = await send(signed, part);
    t.equal(response.status, 200, `UploadPart ${index + 1}`);
    etags.push(String(response.headers.etag));
  }

  const parts = await send(await mustSign({ method: 'GET', url: `${url}?uploadId=${encodedId}&max-parts=10` }));
  t.equal(parts.status, 200, 'ListParts');
  t.equal([...parts.body.toString().matchAll(/<PartNumber>/g)].length, 2);

  const complete = `<CompleteMultipartUpload>${etags.map((etag, index) => `<Part><PartNumber>${index + 1}</PartNumber><ETag>${etag}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
  const completed = await send(await mustSign({ method: 'POST', url: `${url}?uploadId=${encodedId}`, payloadHash: sha256(complete) }), complete);
  t.equal(completed.status, 200, 'CompleteMultipartUpload');

  const download = await send(await mustSign({ method: 'GET', url }));
  t.equal(download.status, 200);
  t.equal(sha256(download.body), sha256(Buffer.concat([first, second])), 'the object is the parts in order');

  const abandoned = await send(await mustSign({ method: 'POST', url: `${base}/e2e/multipart/abandoned?uploads` }));
  const abandonedId = /<UploadId>([^<]+)<\/UploadId>/.exec(abandoned.body.toString())![1]!;
  const abort = await send(await mustSign({ method: 'DELETE', url: `${base}/e2e/multipart/abandoned?uploadId=${encodeURIComponent(abandonedId)}` }));
  t.equal(abort.status, 204, 'AbortMultipartUpload');
});

t.test('copy object', async (t) => {
  const source = 'e2e/copy/source.txt';
  await send(await mustSign({ method: 'PUT', url: `${base}/${source}` }), 'copied content');

  const copy = await mustSign({
    method: 'PUT',
    url: `${base}/e2e/copy/target.txt`,
    headers: { 'x-amz-copy-source': `${bucket}/e2e/copy/source.txt` },
  });
  t.equal(copy.headers['x-amz-copy-source'], `${bucket}/e2e/copy/source.txt`);
  t.equal((await send(copy)).status, 200, 'CopyObject');

  const read = await send(await mustSign({ method: 'GET', url: `${base}/e2e/copy/target.txt` }));
  t.equal(read.body.toString(), 'copied content');

  const otherSource = await send(copy, undefined, { ...copy.headers, 'x-amz-copy-source': `${bucket}/e2e/round/report%20v1.csv` });
  t.equal(otherSource.status, 403, 'another copy source');
  t.equal(s3ErrorCode(otherSource.body), 'SignatureDoesNotMatch');
});

t.test('DeleteObjects with a signed body', async (t) => {
  for (const name of ['a', 'b', 'keep']) await send(await mustSign({ method: 'PUT', url: `${base}/e2e/bulk/${name}` }), name);
  const body = '<Delete><Object><Key>e2e/bulk/a</Key></Object><Object><Key>e2e/bulk/b</Key></Object></Delete>';
  const signed = await mustSign({ method: 'POST', url: `${base}?delete`, body });
  t.equal(signed.headers['X-Amz-Content-Sha256'], sha256(body));

  const otherBody = body.replace('e2e/bulk/b', 'e2e/bulk/keep');
  const swapped = await send(signed, otherBody);
  t.ok(swapped.status >= 400, `another body is rejected (HTTP ${swapped.status} ${s3ErrorCode(swapped.body)})`);
  const kept = await send(await mustSign({ method: 'HEAD', url: `${base}/e2e/bulk/keep` }));
  t.equal(kept.status, 200, 'the other body deleted nothing');

  const deleted = await send(signed, body);
  t.equal(deleted.status, 200, 'DeleteObjects');
  t.equal([...deleted.body.toString().matchAll(/<Deleted>/g)].length, 2);
  t.equal((await send(await mustSign({ method: 'HEAD', url: `${base}/e2e/bulk/a` }))).status, 404, 'a is gone');
  t.equal((await send(await mustSign({ method: 'HEAD', url: `${base}/e2e/bulk/keep` }))).status, 200, 'keep stays');
});

t.test('tampered requests are rejected by the gateway', async (t) => {
  await send(await mustSign({ method: 'PUT', url: `${base}/e2e/tamper/a.txt` }), 'a');
  await send(await mustSign({ method: 'PUT', url: `${base}/e2e/tamper/b.txt` }), 'b');
  const get = await mustSign({ method: 'GET', url: `${base}/e2e/tamper/a.txt` });
  t.equal((await send(get)).status, 200, 'the untouched request works');

  const otherKey = await sendRaw('GET', get.url.replace('/a.txt', '/b.txt'), undefined, get.headers);
  t.equal(otherKey.status, 403, 'key changed');
  t.equal(s3ErrorCode(otherKey.body), 'SignatureDoesNotMatch');

  const put = await mustSign({
    method: 'PUT',
    url: `${base}/e2e/tamper/typed.txt`,
    headers: { 'content-type': 'text/plain', 'x-amz-meta-owner': 'alice' },
  });
  const otherType = await send(put, 'x', { ...put.headers, 'content-type': 'text/html' });
  t.equal(otherType.status, 403, 'signed content-type changed');
  t.equal(s3ErrorCode(otherType.body), 'SignatureDoesNotMatch');
  const otherMeta = await send(put, 'x', { ...put.headers, 'x-amz-meta-owner': 'mallory' });
  t.equal(otherMeta.status, 403, 'signed metadata changed');
  t.equal((await send(put, 'x')).status, 200, 'the signed headers as returned');

  const list = await mustSign({ method: 'GET', url: `${base}?list-type=2&prefix=e2e%2Ftamper%2F` });
  const widened = await sendRaw('GET', list.url.replace('prefix=e2e%2Ftamper%2F', 'prefix=e2e%2F'), undefined, list.headers);
  t.equal(widened.status, 403, 'list prefix widened');
});

t.test('requests openraz does not sign', async (t) => {
  const denied = await signRequest({ method: 'GET', url: `${base}/other/secret.txt` });
  t.equal(denied.status, 403);
  t.equal(denied.body.code, 'ERR_ACCESS_DENIED');
  t.notOk('headers' in denied.body);

  const acl = await signRequest({ method: 'PUT', url: `${base}/e2e/x`, headers: { 'x-amz-acl': 'public-read' } });
  t.equal(acl.status, 400);
  t.equal(acl.body.code, 'ERR_REQUEST_HEADER_NOT_ALLOWED');

  // The gateway reads "+" in a query as a space; openraz signs only the %20 or %2B spelling.
  const plus = await signRequest({ method: 'GET', url: `${base}?list-type=2&prefix=e2e%2Fa+b` });
  t.equal(plus.status, 400);
  t.equal(plus.body.code, 'ERR_REQUEST_URL_INVALID');
});

t.test('session token is required by the STS gateway', async (t) => {
  const temporary = await getSessionToken();
  const sts = await start(stsGatewayEndpoint, temporary);
  const stsBase = `${stsGatewayEndpoint}/${bucket}`;

  const put = await mustSign({ method: 'PUT', url: `${stsBase}/e2e/sts/a.txt` }, sts);
  t.equal(put.headers['X-Amz-Security-Token'], temporary.sessionToken);
  t.equal((await send(put, 'sts content')).status, 200, 'PUT with the session token');

  const get = await mustSign({ method: 'GET', url: `${stsBase}/e2e/sts/a.txt` }, sts);
  const read = await send(get);
  t.equal(read.status, 200, 'GET with the session token');
  t.equal(read.body.toString(), 'sts content');

  const { 'X-Amz-Security-Token': _token, ...withoutToken } = get.headers;
  const dropped = await send(get, undefined, withoutToken);
  t.equal(dropped.status, 403, 'the session token dropped');
});
