import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import t, { type Test } from 'tap';
import { createBucket, gatewayAccessKey, gatewayEndpoint, gatewaySecretKey, signedS3Request, startGateway } from '../fixtures/gateway.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// POST /v1/sign/request maps a described S3 request to one operation, decides it and signs
// it. Each case here describes a request that a store could read as another operation,
// another key or another query than openraz would decide on. Every one must be rejected
// with a code and field that point at the part at fault, or be decided as the operation the
// gateway runs.
const bucket = 'redteam2-classify';
const base = `${gatewayEndpoint}/${bucket}`;
const ALL = [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }];

await startGateway();
await createBucket(bucket);
const seeded = await signedS3Request('PUT', `/${bucket}/m/a`, { body: '0123456789' });
if (seeded.status !== 200) throw new Error(`seeding ${bucket}/m/a failed with HTTP ${seeded.status}`);

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const policies = [
  {
    id: 1,
    name: 'mallory owns m/',
    resources: { bucket: { values: [bucket] }, path: { values: ['m/'], isRecursive: true } },
    policyItems: [{ users: ['mallory'], accesses: ALL }],
  },
  {
    id: 2,
    name: 'rita reads m/',
    resources: { bucket: { values: [bucket] }, path: { values: ['m/'], isRecursive: true } },
    policyItems: [{ users: ['rita'], accesses: [{ type: 'read' }] }],
  },
];

async function start(options: { endpoint?: string; config?: Record<string, Record<string, unknown>> } = {}): Promise<TestService> {
  const service = await startTestService({
    keys,
    policies,
    credentials: { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey },
    endpoint: options.endpoint ?? gatewayEndpoint,
    now: () => new Date(),
    config: { rateLimit: { enabled: false }, ...options.config },
  });
  t.teardown(() => service.close());
  return service;
}

const service = await start();

interface SignResponse {
  status: number;
  requestId: string;
  body: { code?: string; field?: string; message?: string; method: string; url: string; headers: Record<string, string> };
}

async function signRequest(description: Record<string, unknown>, user = 'mallory', target: TestService = service): Promise<SignResponse> {
  const token = await signToken(keys, { sub: user }, {}, new Date());
  const response = await target.app.inject({
    method: 'POST',
    url: '/v1/sign/request',
    headers: { authorization: `Bearer ${token}` },
    payload: description,
  });
  return { status: response.statusCode, requestId: String(response.headers['x-request-id']), body: response.json() };
}

type Case = [name: string, description: Record<string, unknown>, status: number, code: string, field?: string];

async function checkCases(t: Test, cases: readonly Case[], target: TestService = service): Promise<void> {
  for (const [name, description, status, code, field] of cases) {
    const { status: actual, body } = await signRequest(description, 'mallory', target);
    t.equal(actual, status, `${name}: status`);
    t.equal(body.code, code, `${name}: code`);
    t.equal(body.field, field, `${name}: field`);
    t.notOk('headers' in body && body.headers !== undefined, `${name}: nothing signed`);
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('base64');

t.test('path spellings the store reads differently', async (t) => {
  await checkCases(t, [
    ['encoded slash', { method: 'GET', url: `${base}/m/a%2F..%2F..%2Fsecret` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['lower-case hex', { method: 'GET', url: `${base}/m/%c3%a9` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['encoded unreserved', { method: 'GET', url: `${base}/m/%7Ea` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['plus in the key', { method: 'GET', url: `${base}/m/a+b` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['raw non-ASCII', { method: 'GET', url: `${base}/m/é` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['dot-dot segment', { method: 'GET', url: `${base}/m/../secret` }, 400, 'ERR_REQUEST_KEY_DOT_SEGMENT', 'url'],
    ['dot segment', { method: 'GET', url: `${base}/m/./a` }, 400, 'ERR_REQUEST_KEY_DOT_SEGMENT', 'url'],
    ['encoded bucket', { method: 'GET', url: `${gatewayEndpoint}/redteam2%2Dclassify/m/a` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['bucket with a trailing slash', { method: 'GET', url: `${base}/` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['empty bucket segment', { method: 'GET', url: `${gatewayEndpoint}//${bucket}/m/a` }, 400, 'ERR_REQUEST_INVALID', 'url'],
    ['leading empty key segment', { method: 'GET', url: `${base}//m/a` }, 403, 'ERR_ACCESS_DENIED'],
    ['fragment', { method: 'GET', url: `${base}/m/a#x` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['user info', { method: 'GET', url: `http://mallory@127.0.0.1:7480/${bucket}/m/a` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['other scheme', { method: 'GET', url: `https://127.0.0.1:7480/${bucket}/m/a` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['trailing dot host', { method: 'GET', url: `http://127.0.0.1.:7480/${bucket}/m/a` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['padded port', { method: 'GET', url: `http://127.0.0.1:07480/${bucket}/m/a` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['other host name', { method: 'GET', url: `http://localhost:7480/${bucket}/m/a` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['admin API', { method: 'GET', url: `${gatewayEndpoint}/admin/user` }, 400, 'ERR_REQUEST_INVALID', 'url'],
    ['swift API', { method: 'GET', url: `${gatewayEndpoint}/swift/v1` }, 400, 'ERR_REQUEST_INVALID', 'url'],
    ['swift auth', { method: 'GET', url: `${gatewayEndpoint}/auth` }, 400, 'ERR_REQUEST_INVALID', 'url'],
  ]);
});

t.test('query spellings that change the operation', async (t) => {
  await checkCases(t, [
    ['flag with a value', { method: 'POST', url: `${base}/m/a?uploads=x` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.uploads'],
    ['duplicate parameter', { method: 'GET', url: `${base}?list-type=2&prefix=m%2F&prefix=` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.prefix'],
    ['lower-case hex value', { method: 'GET', url: `${base}?list-type=2&prefix=m%2f` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.prefix'],
    ['raw slash value', { method: 'GET', url: `${base}?list-type=2&prefix=m/` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.prefix'],
    ['plus value', { method: 'GET', url: `${base}?list-type=2&prefix=m+` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.prefix'],
    [
      'unknown list parameter',
      { method: 'GET', url: `${base}?list-type=2&prefix=m%2F&fetch-owner=true` },
      400,
      'ERR_REQUEST_URL_INVALID',
      'query.fetch-owner',
    ],
    ['two list selectors', { method: 'GET', url: `${base}?versions&list-type=2` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.list-type'],
    ['ACL sub-resource', { method: 'GET', url: `${base}/m/a?acl` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.acl'],
    ['policy sub-resource', { method: 'GET', url: `${base}?policy` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.policy'],
    ['x-id naming another operation', { method: 'GET', url: `${base}/m/a?x-id=DeleteObject` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.x-id'],
    ['part of a part listing', { method: 'GET', url: `${base}/m/a?uploadId=abc&partNumber=1` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.partNumber'],
    ['upload id without part', { method: 'PUT', url: `${base}/m/a?uploadId=abc` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.uploadId'],
    [
      'tagging with a copy source',
      { method: 'PUT', url: `${base}/m/a?tagging`, headers: { 'x-amz-copy-source': `${bucket}/m/a` } },
      400,
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-copy-source',
    ],
    ['object property name', { method: 'GET', url: `${base}/m/a?constructor` }, 400, 'ERR_REQUEST_URL_INVALID', 'query.constructor'],
    ['create bucket', { method: 'PUT', url: base }, 400, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
    ['delete bucket', { method: 'DELETE', url: base }, 400, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
    ['form upload', { method: 'POST', url: base }, 400, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
    ['POST object without a query', { method: 'POST', url: `${base}/m/a` }, 400, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
    ['POST to the service (STS, IAM)', { method: 'POST', url: `${gatewayEndpoint}/` }, 400, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
  ]);
});

t.test('header and payload tricks', async (t) => {
  const body = '<Delete><Object><Key>m/a</Key></Object></Delete>';
  await checkCases(t, [
    [
      'CR LF in a value',
      { method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-meta-a': 'x\r\nx-amz-acl: public-read' } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.x-amz-meta-a',
    ],
    [
      'bare LF in a value',
      { method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-meta-a': 'x\nx-amz-acl: public-read' } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.x-amz-meta-a',
    ],
    ['space in a name', { method: 'GET', url: `${base}/m/a`, headers: { 'range ': 'bytes=0-1' } }, 400, 'ERR_REQUEST_INVALID', 'headers.range '],
    [
      'name twice in two cases',
      { method: 'GET', url: `${base}/m/a`, headers: { Range: 'bytes=0-1', range: 'bytes=0-9' } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.range',
    ],
    ['other Host', { method: 'GET', url: `${base}/m/a`, headers: { Host: 'evil.test' } }, 400, 'ERR_REQUEST_INVALID', 'headers.host'],
    [
      'caller Authorization',
      { method: 'GET', url: `${base}/m/a`, headers: { Authorization: 'AWS4-HMAC-SHA256 x' } },
      400,
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.authorization',
    ],
    [
      'caller date',
      { method: 'GET', url: `${base}/m/a`, headers: { 'X-Amz-Date': '20300101T000000Z' } },
      400,
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-date',
    ],
    [
      'caller session token',
      { method: 'GET', url: `${base}/m/a`, headers: { 'x-amz-security-token': 'x' } },
      400,
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-security-token',
    ],
    [
      'signed chunks',
      { method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.x-amz-content-sha256',
    ],
    ['upper-case hash', { method: 'PUT', url: `${base}/m/a`, payloadHash: sha256('x').toUpperCase() }, 400, 'ERR_REQUEST_INVALID', 'payloadHash'],
    [
      'hash field and header differ',
      { method: 'PUT', url: `${base}/m/a`, payloadHash: sha256('x'), headers: { 'x-amz-content-sha256': sha256('y') } },
      400,
      'ERR_REQUEST_INVALID',
      'payloadHash',
    ],
    [
      'hash is not the body',
      { method: 'POST', url: `${base}?delete`, body, payloadHash: sha256('other') },
      400,
      'ERR_REQUEST_INVALID',
      'payloadHash',
    ],
    ['unsigned body', { method: 'POST', url: `${base}?delete`, body, payloadHash: 'UNSIGNED-PAYLOAD' }, 400, 'ERR_REQUEST_INVALID', 'payloadHash'],
    [
      'MD5 is not the body',
      { method: 'POST', url: `${base}?delete`, body, headers: { 'content-md5': md5('other') } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.content-md5',
    ],
    ['body deletes another key', { method: 'POST', url: `${base}?delete`, body: body.replace('m/a', 'secret/a') }, 403, 'ERR_ACCESS_DENIED'],
    [
      'copy source not encoded as signed',
      { method: 'PUT', url: `${base}/m/b`, headers: { 'x-amz-copy-source': `${bucket}/m/%61` } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.x-amz-copy-source',
    ],
    [
      'copy source with a second parameter',
      { method: 'PUT', url: `${base}/m/b`, headers: { 'x-amz-copy-source': `${bucket}/m/a?versionId=1&x=2` } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.x-amz-copy-source',
    ],
    [
      'copy source outside the grant',
      { method: 'PUT', url: `${base}/m/b`, headers: { 'x-amz-copy-source': `${bucket}/secret/a` } },
      403,
      'ERR_ACCESS_DENIED',
      'headers.x-amz-copy-source',
    ],
    [
      'padded length',
      { method: 'PUT', url: `${base}/m/a`, headers: { 'content-length': '05' } },
      400,
      'ERR_REQUEST_INVALID',
      'headers.content-length',
    ],
  ]);
});

t.test('access type follows the operation the store runs', async (t) => {
  const cases: [name: string, description: Record<string, unknown>, status: number][] = [
    ['HeadObject', { method: 'HEAD', url: `${base}/m/a` }, 200],
    ['GetObjectTagging', { method: 'GET', url: `${base}/m/a?tagging` }, 200],
    ['ListParts needs write', { method: 'GET', url: `${base}/m/a?uploadId=abc` }, 403],
    ['AbortMultipartUpload needs write', { method: 'DELETE', url: `${base}/m/a?uploadId=abc` }, 403],
    ['PutObjectTagging needs write', { method: 'PUT', url: `${base}/m/a?tagging` }, 403],
    ['DeleteObject needs delete', { method: 'DELETE', url: `${base}/m/a` }, 403],
    ['ListObjectsV2 needs list', { method: 'GET', url: `${base}?list-type=2&prefix=m%2F` }, 403],
    ['ListBuckets needs list on every bucket', { method: 'GET', url: `${gatewayEndpoint}/` }, 403],
  ];
  for (const [name, description, status] of cases) t.equal((await signRequest(description, 'rita')).status, status, name);
});

t.test('accepted spellings reach the decided object', async (t) => {
  const { status, body } = await signRequest({
    method: 'GET',
    url: `${base}/m/a?x-id=GetObject`,
    headers: { HOST: '127.0.0.1:7480', RANGE: ' bytes=2-4 ', 'User-Agent': 'attack' },
  });
  t.equal(status, 200);
  t.equal(body.headers.range, 'bytes=2-4', 'the value is signed without its surrounding spaces');
  t.notOk('user-agent' in body.headers || 'User-Agent' in body.headers, 'headers that change nothing are not signed');
  const response = await sendRaw(body.method, body.url, undefined, body.headers);
  t.equal(response.status, 206);
  t.equal(response.body.toString(), '234', 'the gateway returned the decided range of the decided key');

  const swapped = await sendRaw(body.method, body.url.replace('x-id=GetObject', 'x-id=DeleteObject'), undefined, body.headers);
  t.equal(swapped.status, 403, 'another x-id breaks the signature');
});

t.test('virtual-hosted addressing tricks', async (t) => {
  const virtual = await start({ endpoint: 'http://s3.redteam2.test:9000', config: { s3: { forcePathStyle: false } } });
  const host = `${bucket}.s3.redteam2.test:9000`;
  await checkCases(
    t,
    [
      [
        'path style on a virtual-hosted endpoint',
        { method: 'GET', url: `http://s3.redteam2.test:9000/${bucket}/m/a` },
        400,
        'ERR_REQUEST_URL_INVALID',
        'url',
      ],
      ['dotted bucket in the host', { method: 'GET', url: `http://a.${host}/m/a` }, 400, 'ERR_REQUEST_URL_INVALID', 'url'],
      [
        'encoded bucket in the host',
        { method: 'GET', url: `http://redteam2%2Dclassify.s3.redteam2.test:9000/m/a` },
        400,
        'ERR_REQUEST_URL_INVALID',
        'url',
      ],
      [
        'endpoint as a suffix of another name',
        { method: 'GET', url: `http://${bucket}.xs3.redteam2.test:9000/m/a` },
        400,
        'ERR_REQUEST_URL_INVALID',
        'url',
      ],
      [
        'endpoint as a prefix of another name',
        { method: 'GET', url: `http://${bucket}.s3.redteam2.test.evil.test:9000/m/a` },
        400,
        'ERR_REQUEST_URL_INVALID',
        'url',
      ],
      [
        'Host header naming the path-style host',
        { method: 'GET', url: `http://${host}/m/a`, headers: { host: 's3.redteam2.test:9000' } },
        400,
        'ERR_REQUEST_INVALID',
        'headers.host',
      ],
      ['key with a leading slash', { method: 'GET', url: `http://${host}//m/a` }, 403, 'ERR_ACCESS_DENIED'],
    ],
    virtual,
  );

  const upper = await signRequest({ method: 'GET', url: `http://${bucket.toUpperCase()}.S3.REDTEAM2.TEST:9000/m/a` }, 'mallory', virtual);
  t.equal(upper.status, 200, 'an upper-case host names the same bucket');
  t.equal(upper.body.headers.Host, host, 'and the signed Host is lower case');
});

t.test('caller copy directive with a declared type', async (t) => {
  await signedS3Request('PUT', `/${bucket}/m/source.txt`, { body: 'x' });
  const { status, body, requestId } = await signRequest({
    method: 'PUT',
    url: `${base}/m/copy.txt`,
    headers: { 'x-amz-copy-source': `${bucket}/m/source.txt`, 'content-type': 'text/plain', 'x-amz-metadata-directive': 'COPY' },
  });
  t.equal(status, 400, 'a request the caller described wrongly is a client error');
  t.equal(body.code, 'ERR_REQUEST_HEADER_NOT_ALLOWED', 'code');
  t.equal(body.field, 'headers.x-amz-metadata-directive', 'field');
  const lines = (await service.auditLines()).filter((line) => line.requestId === requestId);
  t.notOk(
    lines.some((line) => line.expiresAt !== undefined),
    'no audit line claims a signed request that was never returned',
  );
});

t.test('query parameter named like an object property', async (t) => {
  const { body } = await signRequest({ method: 'GET', url: `${base}/m/a?constructor` });
  t.match(body.message, /is not one that openraz signs/, 'the parameter is called unknown');
  t.notMatch(body.message, /native code/, 'the message does not quote a JavaScript function');
});
