import { createHash } from 'node:crypto';
import t from 'tap';
import { gatewayEndpoint, s3ErrorCode, xmlValue } from '../fixtures/gateway.js';
import { seedObject, startGatewayService } from '../fixtures/gateway-service.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { createSigningClient, type SignedRequest, type SignResponse } from '../fixtures/signing-client.js';

// Every operation of the sign API, signed by openraz and sent to a real Ceph radosgw on
// 127.0.0.1, which verifies SigV4 the way S3 does.
const bucket = 'openraz-ops';
const sourceBucket = 'openraz-ops-src';
const ALL = [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }];
const policies = [
  {
    id: 1,
    name: 'alice owns ops/',
    resources: { bucket: { values: [bucket] }, path: { values: ['ops/'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: ALL }],
  },
  {
    id: 2,
    name: 'alice reads the shared sources',
    resources: { bucket: { values: [sourceBucket] }, path: { values: ['shared/'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }] }],
  },
  {
    id: 3,
    name: 'admins list every bucket',
    resources: { bucket: { values: ['*'] }, path: { values: ['*'], isRecursive: true } },
    policyItems: [{ users: ['admin'], accesses: [{ type: 'list' }] }],
  },
  {
    id: 4,
    name: 'carol writes encrypted, never overwrites',
    resources: { bucket: { values: [bucket] }, path: { values: ['ops/carol/'], isRecursive: true } },
    policyItems: [
      {
        users: ['carol'],
        accesses: [{ type: 'write' }, { type: 'read' }],
        conditions: [
          { type: 'server-side-encryption', values: ['AES256'] },
          { type: 'if-none-match', values: ['*'] },
        ],
      },
    ],
  },
  {
    id: 6,
    name: 'dave writes once',
    resources: { bucket: { values: [bucket] }, path: { values: ['ops/dave/'], isRecursive: true } },
    policyItems: [{ users: ['dave'], accesses: [{ type: 'write' }], conditions: [{ type: 'if-none-match', values: ['*'] }] }],
  },
  {
    id: 5,
    name: 'alice may not delete ops/keep/',
    resources: { bucket: { values: [bucket] }, path: { values: ['ops/keep/'], isRecursive: true } },
    denyPolicyItems: [{ users: ['alice'], accesses: [{ type: 'delete' }] }],
  },
];

// The service signs with the real clock, because the gateway checks expiry against its own.
const { keys, service } = await startGatewayService(t, { buckets: [bucket, sourceBucket], policies });
// No default bucket, so that `sign` can send a ListBuckets request without one.
const client = createSigningClient(service, keys);
const { send } = client;

function sign(body: Record<string, unknown>, user = 'alice'): Promise<SignResponse> {
  return client.sign(user, body);
}

function mustSign(body: Record<string, unknown>, user = 'alice'): Promise<SignedRequest> {
  return client.mustSign(user, { bucket, ...body });
}

async function putObject(key: string, content: string, target = bucket): Promise<void> {
  const put = await mustSign({ operation: 'PutObject', bucket: target, key });
  const response = await send(put, content);
  if (response.status !== 200) throw new Error(`PUT ${key}: ${response.status} ${s3ErrorCode(response.body)}`);
}

t.test('GetObject with range and response overrides', async (t) => {
  const key = 'ops/get/report.csv';
  await putObject(key, '0123456789');

  const ranged = await mustSign({ operation: 'GetObject', key, range: 'bytes=2-5' });
  t.same(ranged.headers, { range: 'bytes=2-5' }, 'the range is a signed header to send');
  const partial = await send(ranged);
  t.equal(partial.status, 206);
  t.equal(partial.body.toString(), '2345');
  t.equal((await sendRaw('GET', ranged.url, undefined, { range: 'bytes=0-9' })).status, 403, 'another range breaks the signature');

  const overridden = await mustSign({
    operation: 'GetObject',
    key,
    responseOverrides: { contentDisposition: "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", contentType: 'application/pdf' },
  });
  t.match(overridden.url, /response-content-disposition=attachment%3B%20filename%2A%3DUTF-8%27%27r%25C3%25A9sum%25C3%25A9\.pdf/);
  const download = await send(overridden);
  t.equal(download.status, 200, 'the gateway accepts the overrides');
  t.equal(download.body.toString(), '0123456789');

  const unknown = await sign({ operation: 'GetObject', bucket, key, responseOverrides: { contentLanguage: 'en' } });
  t.equal(unknown.status, 400);
  t.equal(unknown.json.code, 'ERR_REQUEST_INVALID');
  t.equal(unknown.json.field, 'responseOverrides.contentLanguage');
});

t.test('object tagging round-trips', async (t) => {
  const key = 'ops/tags/a.txt';
  await putObject(key, 'tagged');
  const tagging = '<Tagging><TagSet><Tag><Key>team</Key><Value>data</Value></Tag></TagSet></Tagging>';

  const put = await mustSign({ operation: 'PutObjectTagging', key, body: tagging });
  t.equal(put.method, 'PUT');
  t.equal(put.headers['content-md5'], createHash('md5').update(tagging).digest('base64'));
  t.equal(put.headers['x-amz-content-sha256'], createHash('sha256').update(tagging).digest('hex'));
  t.ok((await send(put, tagging.replace('data', 'evil'))).status >= 400, 'another body is rejected', {
    todo: 'Ceph 16 checks neither Content-MD5 nor x-amz-content-sha256 of a presigned PutObjectTagging; Amazon S3 does',
  });
  t.equal((await send(put, tagging)).status, 200, 'PutObjectTagging with the signed body');

  const get = await mustSign({ operation: 'GetObjectTagging', key });
  t.match(get.url, /\?tagging=&X-Amz-Algorithm|[?&]tagging=(&|$)/);
  const tags = await send(get);
  t.equal(tags.status, 200);
  t.equal(xmlValue(tags.body, 'Value'), 'data', 'the tag written is read back');
});

t.test('multipart upload through presigned URLs', async (t) => {
  const key = 'ops/multipart/big.bin';
  const create = await mustSign({ operation: 'CreateMultipartUpload', key });
  t.equal(create.method, 'POST');
  const created = await send(create);
  t.equal(created.status, 200, 'CreateMultipartUpload');
  const uploadId = xmlValue(created.body, 'UploadId');
  t.ok(uploadId, 'an upload ID');

  const part = await mustSign({ operation: 'UploadPart', key, partNumber: 1, uploadId });
  t.match(part.url, /&partNumber=1&uploadId=/, 'partNumber and uploadId are signed after the X-Amz-* parameters');
  t.equal((await sendRaw('PUT', part.url.replace('partNumber=1', 'partNumber=2'), 'x')).status, 403, 'another part number is rejected');
  t.equal((await send(part, 'hello multipart')).status, 200, 'UploadPart');

  const parts = await send(await mustSign({ operation: 'ListParts', key, uploadId }));
  t.equal(parts.status, 200, 'ListParts');
  const partEtag = xmlValue(parts.body, 'ETag');
  t.ok(partEtag, 'the part is listed');

  const uploads = await send(await mustSign({ operation: 'ListMultipartUploads', prefix: 'ops/multipart/' }));
  t.equal(uploads.status, 200, 'ListMultipartUploads');
  t.match(uploads.body.toString(), uploadId!);

  const complete = await mustSign({ operation: 'CompleteMultipartUpload', key, uploadId });
  const completion = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${partEtag}</ETag></Part></CompleteMultipartUpload>`;
  t.equal((await send(complete, completion)).status, 200, 'CompleteMultipartUpload');

  const download = await send(await mustSign({ operation: 'GetObject', key }));
  t.equal(download.body.toString(), 'hello multipart', 'the assembled object');

  const other = xmlValue((await send(await mustSign({ operation: 'CreateMultipartUpload', key: 'ops/multipart/abandoned.bin' }))).body, 'UploadId');
  const abort = await mustSign({ operation: 'AbortMultipartUpload', key: 'ops/multipart/abandoned.bin', uploadId: other });
  t.equal((await send(abort)).status, 204, 'AbortMultipartUpload');
});

t.test('invalid part numbers are rejected before signing', async (t) => {
  for (const partNumber of [0, 10001, 'x', 1.5]) {
    const { status, json } = await sign({ operation: 'UploadPart', bucket, key: 'ops/p', partNumber, uploadId: 'u' });
    t.equal(status, 400, `partNumber ${partNumber}`);
    t.equal(json.field, 'partNumber');
    t.notOk(json.url);
  }
  const missing = await sign({ operation: 'UploadPart', bucket, key: 'ops/p', partNumber: 1 });
  t.equal(missing.status, 400);
  t.equal(missing.json.field, 'uploadId');
});

t.test('CopyObject reads the source and writes the target', async (t) => {
  // alice may only read the sources, so the gateway's own credentials write them.
  await seedObject(sourceBucket, 'shared/src.txt', 'copied bytes');
  await seedObject(sourceBucket, 'secret/src.txt', 'secret bytes');

  const copy = await mustSign({ operation: 'CopyObject', key: 'ops/copy/dst.txt', copySource: { bucket: sourceBucket, key: 'shared/src.txt' } });
  t.equal(copy.headers['x-amz-copy-source'], `${sourceBucket}/shared/src.txt`);
  t.equal((await send(copy)).status, 200, 'CopyObject');
  t.equal((await send(await mustSign({ operation: 'GetObject', key: 'ops/copy/dst.txt' }))).body.toString(), 'copied bytes');

  const denied = await sign({
    operation: 'CopyObject',
    bucket,
    key: 'ops/copy/stolen.txt',
    copySource: { bucket: sourceBucket, key: 'secret/src.txt' },
  });
  t.equal(denied.status, 403, 'no read on the source');
  t.equal(denied.json.code, 'ERR_ACCESS_DENIED');
  t.equal(denied.json.field, 'copySource');
  t.notOk(denied.json.url);
  const denial = (await service.auditLines()).filter((line) => line.decisionId === denied.json.decisionId);
  t.same(
    denial.map((line) => [line.bucket, line.key, line.accessType, line.decision]),
    [
      [bucket, 'ops/copy/stolen.txt', 'write', 'allow'],
      [sourceBucket, 'secret/src.txt', 'read', 'deny'],
    ],
    'both decisions of a copy are audited under one decision id',
  );

  const oddKey = "shared/a b+c&(1)'é.txt";
  await seedObject(sourceBucket, oddKey, 'odd bytes');
  const oddCopy = await mustSign({ operation: 'CopyObject', key: 'ops/copy/odd.txt', copySource: { bucket: sourceBucket, key: oddKey } });
  t.equal(oddCopy.headers['x-amz-copy-source'], `${sourceBucket}/shared/a%20b%2Bc%26%281%29%27%C3%A9.txt`);
  t.equal((await send(oddCopy)).status, 200, 'a source key with reserved characters');
  t.equal((await send(await mustSign({ operation: 'GetObject', key: 'ops/copy/odd.txt' }))).body.toString(), 'odd bytes');

  const outside = await sign({
    operation: 'CopyObject',
    bucket,
    key: 'elsewhere/x.txt',
    copySource: { bucket: sourceBucket, key: 'shared/src.txt' },
  });
  t.equal(outside.status, 403, 'no write on the target');
  t.equal(outside.json.field, undefined);
});

t.test('UploadPartCopy copies a byte range of the source', async (t) => {
  const key = 'ops/partcopy/dst.txt';
  const uploadId = xmlValue((await send(await mustSign({ operation: 'CreateMultipartUpload', key }))).body, 'UploadId');
  const copy = await mustSign({
    operation: 'UploadPartCopy',
    key,
    partNumber: 1,
    uploadId,
    copySource: { bucket: sourceBucket, key: 'shared/src.txt' },
    copySourceRange: 'bytes=0-5',
  });
  t.equal(copy.headers['x-amz-copy-source-range'], 'bytes=0-5');
  const copied = await send(copy);
  t.equal(copied.status, 200, 'UploadPartCopy');
  const etag = xmlValue(copied.body, 'ETag');
  const completion = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`;
  t.equal((await send(await mustSign({ operation: 'CompleteMultipartUpload', key, uploadId }), completion)).status, 200);
  t.equal((await send(await mustSign({ operation: 'GetObject', key }))).body.toString(), 'copied');
});

t.test('DeleteObjects signs its body and authorizes every key', async (t) => {
  await putObject('ops/bulk/a.txt', 'a');
  await putObject('ops/bulk/b c&d.txt', 'b');
  const body = '<Delete><Quiet>true</Quiet><Object><Key>ops/bulk/a.txt</Key></Object><Object><Key>ops/bulk/b c&amp;d.txt</Key></Object></Delete>';

  const signed = await mustSign({ operation: 'DeleteObjects', body });
  t.equal(signed.method, 'POST');
  t.match(signed.url, /\?delete=&|[?&]delete=(&|$)/);
  t.equal(signed.headers['x-amz-content-sha256'], createHash('sha256').update(body).digest('hex'));
  t.match(signed.url, /X-Amz-SignedHeaders=content-md5%3Bhost%3Bx-amz-content-sha256/);

  const other = body.replace('a.txt', 'z.txt');
  const tampered = await send(signed, other);
  t.ok(tampered.status >= 400, `another body is rejected (${tampered.status} ${s3ErrorCode(tampered.body)})`);
  t.equal((await send(signed, body)).status, 200, 'DeleteObjects');
  t.equal((await send(await mustSign({ operation: 'HeadObject', key: 'ops/bulk/b c&d.txt' }))).status, 404, 'the decoded key was deleted');

  const denied = await sign({
    operation: 'DeleteObjects',
    bucket,
    body: '<Delete><Object><Key>ops/bulk/x</Key></Object><Object><Key>ops/keep/y</Key></Object><Object><Key>other/z</Key></Object></Delete>',
  });
  t.equal(denied.status, 403);
  t.equal(denied.json.code, 'ERR_ACCESS_DENIED');
  t.same(denied.json.deniedKeys, ['ops/keep/y', 'other/z'], 'the answer lists the denied keys');
  t.notOk(denied.json.url);
  const lines = (await service.auditLines()).filter((line) => line.decisionId === denied.json.decisionId);
  t.same(
    lines.map((line) => [line.key, line.decision]),
    [
      ['ops/bulk/x', 'allow'],
      ['ops/keep/y', 'deny'],
      ['other/z', 'deny'],
    ],
    'one audit line per key',
  );
});

t.test('DeleteObjects bodies that S3 could read otherwise are rejected', async (t) => {
  const bodies = [
    '<!DOCTYPE d [<!ENTITY k "ops/x">]><Delete><Object><Key>&k;</Key></Object></Delete>',
    '<Delete><Object><Key><![CDATA[ops/x]]></Key></Object></Delete>',
    '<Delete><Object><Key>ops/<!-- c -->x</Key></Object></Delete>',
    '<Delete><Object><Key>ops/x</Key><Key>other/y</Key></Object></Delete>',
    '<Delete><Object><Key>ops/x</Key><Owner>me</Owner></Object></Delete>',
    '<Delete><Object><Key>ops/&bogus;</Key></Object></Delete>',
    '<Delete><Object><Key>ops/&#0;</Key></Object></Delete>',
    '<Delete></Delete>',
    '<?xml version="1.0" encoding="ISO-8859-1"?><Delete><Object><Key>ops/\u00e9</Key></Object></Delete>',
    '<Remove><Object><Key>ops/x</Key></Object></Remove>',
    '<Delete><Object><Key>ops/x</Key></Object>',
    `<Delete>${'<Object><Key>ops/x</Key></Object>'.repeat(1001)}</Delete>`,
  ];
  for (const body of bodies) {
    const { status, json } = await sign({ operation: 'DeleteObjects', bucket, body });
    t.equal(status, 400, body.slice(0, 50));
    t.equal(json.code, 'ERR_REQUEST_BODY_INVALID', body.slice(0, 50));
    t.equal(json.field, 'body');
  }
  const references = await sign({ operation: 'DeleteObjects', bucket, body: '<Delete>\n  <Object><Key>ops/&#x41;&#66;</Key></Object>\n</Delete>' });
  t.equal(references.status, 200, 'character references are decoded, and indentation is accepted');
});

t.test('bucket operations', async (t) => {
  await putObject('ops/buckets/a.txt', 'a');

  const list = await sign({ operation: 'ListBuckets' }, 'admin');
  t.equal(list.status, 200, 'ListBuckets needs list on every bucket');
  t.equal(list.json.url?.startsWith(`${gatewayEndpoint}/?X-Amz-Algorithm`), true, 'the service root');
  const buckets = await send(list.json as unknown as SignedRequest);
  t.equal(buckets.status, 200);
  t.match(buckets.body.toString(), `<Name>${bucket}</Name>`);
  t.equal((await sign({ operation: 'ListBuckets' })).status, 403, 'a list on one prefix does not allow ListBuckets');
  t.equal((await sign({ operation: 'ListBuckets', bucket })).json.field, 'bucket');

  const adminSign = (body: Record<string, unknown>) => mustSign(body, 'admin');
  t.equal((await send(await adminSign({ operation: 'HeadBucket' }))).status, 200, 'HeadBucket');
  const location = await send(await adminSign({ operation: 'GetBucketLocation' }));
  t.equal(location.status, 200, 'GetBucketLocation');
  t.match(location.body.toString(), /LocationConstraint/);
  t.equal((await sign({ operation: 'HeadBucket', bucket })).status, 403, 'HeadBucket needs list on the whole bucket');

  const v1 = await mustSign({ operation: 'ListObjects', prefix: 'ops/buckets/', marker: 'ops/buckets/' });
  t.notMatch(v1.url, /list-type/);
  const v1Listing = await send(v1);
  t.equal(v1Listing.status, 200, 'ListObjects v1');
  t.match(v1Listing.body.toString(), '<Key>ops/buckets/a.txt</Key>');

  const versions = await send(await mustSign({ operation: 'ListObjectVersions', prefix: 'ops/buckets/' }));
  t.equal(versions.status, 200, 'ListObjectVersions');
  t.match(versions.body.toString(), '<Key>ops/buckets/a.txt</Key>');
});

t.test('upload requirements from the conditions are signed in', async (t) => {
  const key = 'ops/carol/report.csv';
  const put = await mustSign({ operation: 'PutObject', key, contentType: 'text/csv', contentLength: 5 }, 'carol');
  t.same(put.headers, { 'content-type': 'text/csv', 'content-length': '5', 'x-amz-server-side-encryption': 'AES256', 'if-none-match': '*' });
  t.match(put.url, /X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bif-none-match%3Bx-amz-server-side-encryption&/);

  const withoutEncryption = await sendRaw('PUT', put.url, 'a,b\n1', { 'content-type': 'text/csv', 'if-none-match': '*' });
  t.equal(withoutEncryption.status, 403, 'leaving out the encryption header breaks the signature');
  t.equal(s3ErrorCode(withoutEncryption.body), 'SignatureDoesNotMatch');

  const declared = await sign({ operation: 'PutObject', bucket, key, serverSideEncryption: 'aws:kms' }, 'carol');
  t.equal(declared.status, 403, 'another encryption than the condition allows');

  const plain = await mustSign({ operation: 'PutObject', key: 'ops/plain.txt' });
  t.same(plain.headers, {}, 'without conditions nothing is added');
  t.match(plain.url, /X-Amz-SignedHeaders=host&/);
});

t.test('If-None-Match from a condition stops overwrites on the gateway', async (t) => {
  // A key of its own per run: the gateway keeps objects until it stops.
  const key = `ops/dave/once-${Date.now()}.txt`;
  const put = await mustSign({ operation: 'PutObject', key }, 'dave');
  t.same(put.headers, { 'if-none-match': '*' });
  t.equal((await send(put, 'first')).status, 200, 'the first write');
  const second = await send(put, 'second');
  t.equal(second.status, 412, 'the gateway refuses to overwrite');
  t.equal((await send(await mustSign({ operation: 'GetObject', key }))).body.toString(), 'first');
});
