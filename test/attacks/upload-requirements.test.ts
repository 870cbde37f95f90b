import { connect } from 'node:net';
import t from 'tap';
import { s3ErrorCode, signedS3Request } from '../fixtures/gateway.js';
import { encodeKeyPath } from '../../src/s3/index.js';
import { startGatewayService } from '../fixtures/gateway-service.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { createSigningClient, submitForm, type PostForm } from '../fixtures/signing-client.js';

// Upload conditions hold only while the store enforces what openraz signed: a signed
// If-None-Match or Content-Length must not be droppable, and a form must not write outside
// its key or prefix. The uploads go to Ceph RGW 16.2 with the raw HTTP a hostile client sends.
const bucket = 'redteam-upreq';

const { keys, service } = await startGatewayService(t, {
  buckets: [bucket],
  policies: [
    {
      id: 1,
      name: 'dave writes w/ once',
      resources: { bucket: { values: [bucket] }, path: { values: ['w/'], isRecursive: true } },
      policyItems: [{ users: ['dave'], accesses: [{ type: 'write' }, { type: 'read' }], conditions: [{ type: 'if-none-match', values: ['*'] }] }],
    },
    {
      id: 2,
      name: 'pat uploads at most 100 bytes to p/',
      resources: { bucket: { values: [bucket] }, path: { values: ['p/'], isRecursive: true } },
      policyItems: [{ users: ['pat'], accesses: [{ type: 'write' }], conditions: [{ type: 'max-object-size', values: ['100'] }] }],
    },
    {
      id: 3,
      name: 'pat uploads forms to forms/pat/',
      resources: { bucket: { values: [bucket] }, path: { values: ['forms/pat/'], isRecursive: true } },
      policyItems: [{ users: ['pat'], accesses: [{ type: 'write' }] }],
    },
  ],
});
const { mustSign } = createSigningClient(service, keys, { bucket });

async function storedSize(key: string): Promise<number | undefined> {
  const response = await signedS3Request('HEAD', `/${bucket}/${encodeKeyPath(key)}`);
  return response.status === 200 ? Number(response.headers['content-length']) : undefined;
}

/** Sends a request line, headers and body exactly as given, over a plain socket. */
function sendBytes(method: string, url: string, headerLines: string[], body: string): Promise<string> {
  const { hostname, port, host } = new URL(url);
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.end(
        `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${headerLines.map((line) => `${line}\r\n`).join('')}\r\n${body}`,
      );
    });
    let response = '';
    socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
  });
}

t.test('signed If-None-Match cannot be dropped', async (t) => {
  const key = `w/once-${Date.now()}.txt`;
  const put = await mustSign('dave', { operation: 'PutObject', key });
  t.same(put.headers, { 'if-none-match': '*' });
  t.equal((await sendRaw('PUT', put.url, 'first', put.headers)).status, 200, 'the first write');

  for (const [name, headers] of [
    ['without the header', {}],
    ['with another value', { 'if-none-match': '"etag"' }],
  ] as const) {
    const response = await sendRaw('PUT', put.url, 'overwrite', headers);
    t.equal(s3ErrorCode(response.body), 'SignatureDoesNotMatch', name);
  }
  t.equal((await sendRaw('PUT', put.url, 'overwrite', put.headers)).status, 412, 'with the signed header');
  const stored = await signedS3Request('GET', `/${bucket}/${key}`);
  t.equal(stored.body.toString(), 'first');
});

t.test('signed Content-Length bounds the upload', async (t) => {
  const big = 'X'.repeat(5000);
  const chunked = `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`;
  const cases: [name: string, headers: string[], body: string][] = [
    ['chunked with the signed Content-Length', ['Content-Length: 10', 'Transfer-Encoding: chunked'], chunked],
    ['chunked without Content-Length', ['Transfer-Encoding: chunked'], chunked],
    ['more bytes than Content-Length', ['Content-Length: 10'], big],
  ];
  for (const [name, headers, body] of cases) {
    const key = `p/${name.replace(/\W+/g, '-')}.bin`;
    await signedS3Request('DELETE', `/${bucket}/${key}`);
    const put = await mustSign('pat', { operation: 'PutObject', key, contentLength: 10 });
    t.same(put.headers, { 'content-length': '10' }, 'the size is a signed header');
    await sendBytes('PUT', put.url, headers, body);
    const size = await storedSize(key);
    t.ok(size === undefined || size <= 10, `${name}: nothing over 10 bytes stored (got ${size})`);
  }

  const put = await mustSign('pat', { operation: 'PutObject', key: 'p/streaming.bin', contentLength: 10 });
  for (const payloadHash of ['STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD']) {
    const response = await sendRaw('PUT', put.url, '0123456789', { ...put.headers, 'x-amz-content-sha256': payloadHash });
    t.equal(s3ErrorCode(response.body), 'SignatureDoesNotMatch', `x-amz-content-sha256: ${payloadHash}`);
  }
});

t.test('prefix form stays under its prefix', async (t) => {
  const form = await mustSign<PostForm>('pat', { prefix: 'forms/pat/' }, '/v1/sign/post');
  const submit = async (fields: [string, string][], fileName = 'f.txt', after: [string, string][] = []): Promise<number> =>
    (await submitForm(form.url, fields, { content: 'PAYLOAD', fileName }, after)).status;
  const signedFields = Object.entries(form.fields);
  const withoutKey = signedFields.filter(([name]) => name !== 'key');
  const cases: [name: string, fields: [string, string][], fileName: string, after: [string, string][], stored: string][] = [
    ['a second key field', [...signedFields, ['key', 'other/b']], 'f.txt', [], 'other/b'],
    ['the key field in capitals', [...signedFields, ['KEY', 'other/c']], 'f.txt', [], 'other/c'],
    ['the key field after the file', withoutKey, 'f.txt', [['key', 'other/d']], 'other/d'],
    ['an x-ignore- key field', [...signedFields, ['x-ignore-key', 'other/e']], 'f.txt', [], 'other/e'],
    ['a file name with dot segments', signedFields, '../../other/f', [], 'other/f'],
  ];
  for (const [name, fields, fileName, after, stored] of cases) {
    await signedS3Request('DELETE', `/${bucket}/${stored}`);
    await submit(fields, fileName, after);
    t.equal((await signedS3Request('HEAD', `/${bucket}/${stored}`)).status, 404, `${name}: nothing stored at ${stored}`);
  }
  t.equal(await submit(signedFields, 'plain.txt'), 204, 'the form as returned works');
});
