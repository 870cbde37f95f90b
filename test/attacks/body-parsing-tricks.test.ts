import { rm } from 'node:fs/promises';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// Request bodies that parsers disagree on. Each must either be rejected with a 4xx code, or
// be read once, so that the key the policy decided on is the key in the signed URL.
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const service = await startTestService({
  keys,
  policies: [
    {
      id: 1,
      name: 'alice reads and lists data/',
      resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
      policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }, { type: 'list' }] }],
    },
  ],
});
t.teardown(() => service.close());
const token = await signToken(keys, { sub: 'alice' });

async function send(body: string | Buffer, contentType = 'application/json') {
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    payload: body,
  });
  return { status: response.statusCode, body: response.json() as { code?: string; url?: string; field?: string } };
}

t.test('prototype keys are rejected', async (t) => {
  for (const body of [
    '{"operation":"GetObject","bucket":"bkt","key":"data/x","__proto__":{"key":"secret/x"}}',
    '{"operation":"GetObject","bucket":"bkt","key":"data/x","constructor":{"prototype":{"key":"secret/x"}}}',
  ]) {
    const response = await send(body);
    t.equal(response.status, 400, body);
    t.notOk(response.body.url, `${body}: no URL`);
  }
});

t.test('duplicate key names sign what they authorize', async (t) => {
  const response = await send('{"operation":"GetObject","bucket":"bkt","key":"secret/x","key":"data/x"}');
  t.equal(response.status, 200, 'the last "key" wins and is allowed');
  t.match(response.body.url, /\/bkt\/data\/x\?/, 'the URL is for the key that was decided');
  const denied = await send('{"operation":"GetObject","bucket":"bkt","key":"data/x","key":"secret/x"}');
  t.equal(denied.status, 403, 'the last "key" wins and is denied');
  const audit = await service.auditLines();
  t.same(audit.slice(-2).map((line) => line.key), ['data/x', 'secret/x'], 'the audit records the same keys');
});

t.test('numbers must be exact integers', async (t) => {
  const cases: [string, number][] = [
    ['"expiresInSeconds":1e400', 400],
    ['"expiresInSeconds":-0', 400],
    ['"expiresInSeconds":60.5', 400],
    ['"expiresInSeconds":"60"', 400],
    ['"expiresInSeconds":true', 400],
    ['"expiresInSeconds":99999999999999999999', 400],
    ['"expiresInSeconds":60.0', 200],
  ];
  for (const [field, expected] of cases) {
    const response = await send(`{"operation":"GetObject","bucket":"bkt","key":"data/x",${field}}`);
    t.equal(response.status, expected, field);
  }
  const list = await send('{"operation":"ListObjectsV2","bucket":"bkt","prefix":"data/","maxKeys":1e2}');
  t.equal(list.status, 200, 'maxKeys 1e2 is the integer 100');
  t.match(list.body.url, /[?&]max-keys=100&/, 'and is signed as 100');
  for (const maxKeys of ['0', '1001', '1.5', '"10"', 'null']) {
    const response = await send(`{"operation":"ListObjectsV2","bucket":"bkt","prefix":"data/","maxKeys":${maxKeys}}`);
    t.equal(response.status, 400, `maxKeys ${maxKeys}`);
  }
});

t.test('malformed bodies are rejected', async (t) => {
  const cases: [string, string | Buffer, string][] = [
    ['deep nesting', `${'['.repeat(20_000)}${']'.repeat(20_000)}`, 'application/json'],
    ['a JSON string', '"data/x"', 'application/json'],
    ['an array', '[{"operation":"GetObject","bucket":"bkt","key":"data/x"}]', 'application/json'],
    ['invalid UTF-8 in the key', Buffer.concat([Buffer.from('{"operation":"GetObject","bucket":"bkt","key":"data/'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), 'application/json'],
    ['an unpaired surrogate escape', '{"operation":"GetObject","bucket":"bkt","key":"data/\\ud800"}', 'application/json'],
    ['a NUL escape', '{"operation":"GetObject","bucket":"bkt","key":"data/x\\u0000"}', 'application/json'],
    ['vnd.api+json', '{"operation":"GetObject","bucket":"bkt","key":"data/x"}', 'application/vnd.api+json'],
    ['text/plain', '{"operation":"GetObject","bucket":"bkt","key":"data/x"}', 'text/plain'],
    ['a body over the limit', JSON.stringify({ operation: 'GetObject', bucket: 'bkt', key: 'data/x', pad: 'x'.repeat(70_000) }), 'application/json'],
    ['a list with a key', '{"operation":"ListObjectsV2","bucket":"bkt","key":"data/"}', 'application/json'],
    ['a get with a prefix', '{"operation":"GetObject","bucket":"bkt","key":"data/x","prefix":""}', 'application/json'],
    ['an IP address as bucket', '{"operation":"GetObject","bucket":"127.0.0.1","key":"data/x"}', 'application/json'],
    ['a bucket with a slash', '{"operation":"GetObject","bucket":"bkt/data","key":"x"}', 'application/json'],
  ];
  for (const [name, body, contentType] of cases) {
    const response = await send(body, contentType);
    t.ok(response.status >= 400 && response.status < 500, `${name}: status ${response.status} is 4xx`);
    t.notOk(response.body.url, `${name}: no URL`);
  }
});
