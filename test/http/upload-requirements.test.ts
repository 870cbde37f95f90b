import { rm } from 'node:fs/promises';
import t from 'tap';
import { createTestKeys, signToken } from '../fixtures/tokens.js';
import { startTestService } from '../fixtures/service.js';

// Upload limits in the conditions become signed headers, so the store enforces them.
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const MIB = 1_048_576;
const policies = [
  {
    id: 'uploads',
    name: 'bob uploads encrypted files of at most 10 MiB',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['up/'], isRecursive: true } },
    policyItems: [
      {
        users: ['bob'],
        accesses: [{ type: 'write' }, { type: 'read' }],
        conditions: [
          { type: 'max-object-size', values: [String(10 * MIB)] },
          { type: 'server-side-encryption', values: ['AES256'] },
        ],
      },
    ],
  },
  {
    id: 'plain',
    name: 'bob writes drafts without conditions',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['drafts/'], isRecursive: true } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'write' }] }],
  },
];

const service = await startTestService({ keys, policies });
t.teardown(() => service.close());
const bob = await signToken(keys, { sub: 'bob' });

async function sign(body: Record<string, unknown>) {
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${bob}` },
    payload: { bucket: 'bkt', ...body },
  });
  return { status: response.statusCode, json: response.json() };
}

t.test('B08 declared type and size with required encryption', async (t) => {
  const { status, json } = await sign({ operation: 'PutObject', key: 'up/i.png', contentType: 'image/png', contentLength: 2 * MIB });
  t.equal(status, 200);
  t.match(json.url, /&X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3Bx-amz-server-side-encryption&/);
  t.same(json.headers, { 'content-type': 'image/png', 'content-length': String(2 * MIB), 'x-amz-server-side-encryption': 'AES256' });
  t.notMatch(json.url, /x-amz-server-side-encryption=/, 'the encryption header is not moved into the query');
});

t.test('B08 an upload over the limit is denied before signing', async (t) => {
  const { status, json } = await sign({ operation: 'PutObject', key: 'up/i.png', contentType: 'image/png', contentLength: 20 * MIB });
  t.equal(status, 403);
  t.equal(json.code, 'ERR_ACCESS_DENIED');
  t.notOk(json.url);
});

t.test('an upload without a declared size is denied under a size limit', async (t) => {
  const { status } = await sign({ operation: 'PutObject', key: 'up/i.png' });
  t.equal(status, 403, 'a PUT URL cannot bound the size unless Content-Length is signed');
});

t.test('a declared encryption must be one the condition allows', async (t) => {
  t.equal((await sign({ operation: 'PutObject', key: 'up/a', contentLength: 1, serverSideEncryption: 'aws:kms' })).status, 403);
  const declared = await sign({ operation: 'PutObject', key: 'up/a', contentLength: 1, serverSideEncryption: 'AES256' });
  t.equal(declared.status, 200);
  t.equal(declared.json.headers['x-amz-server-side-encryption'], 'AES256');
});

t.test('a size limit does not grant reads', async (t) => {
  const { status, json } = await sign({ operation: 'GetObject', key: 'up/i.png' });
  t.equal(status, 403, 'max-object-size has no size to check on a read, so the item does not grant it');
  t.equal(json.code, 'ERR_ACCESS_DENIED');
});

t.test('B08 without conditions only host is signed', async (t) => {
  const { status, json } = await sign({ operation: 'PutObject', key: 'drafts/f.bin' });
  t.equal(status, 200);
  t.match(json.url, /&X-Amz-SignedHeaders=host&/);
  t.same(json.headers, {});
});
