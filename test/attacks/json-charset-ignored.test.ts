import { rm } from 'node:fs/promises';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// The JSON parser decodes every body as UTF-8 and ignores a `charset` parameter. A client that
// declares `charset=iso-8859-1` and sends the key "data/Ã©" as the Latin-1 bytes C3 A9 gets a
// URL for "data/é": a valid signature for an object it did not name. A body declared in
// another charset must be rejected with 415, as a body of another media type is.
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const service = await startTestService({
  keys,
  policies: [
    {
      id: 1,
      name: 'alice reads data/',
      resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
      policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }] }],
    },
  ],
});
t.teardown(() => service.close());
const token = await signToken(keys, { sub: 'alice' });

async function sign(contentType: string, body: Buffer) {
  return service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    payload: body,
  });
}

t.test('UTF-8 declarations are accepted', async (t) => {
  const body = Buffer.from(JSON.stringify({ operation: 'GetObject', bucket: 'bkt', key: 'data/é' }), 'utf8');
  for (const contentType of ['application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-8']) {
    const response = await sign(contentType, body);
    t.equal(response.statusCode, 200, contentType);
  }
});

t.test('other charsets are rejected', async (t) => {
  // "data/Ã©" in ISO-8859-1 is the byte sequence that UTF-8 reads as "data/é".
  const latin1 = Buffer.from(JSON.stringify({ operation: 'GetObject', bucket: 'bkt', key: 'data/Ã©' }), 'latin1');
  for (const contentType of ['application/json; charset=iso-8859-1', 'application/json; charset=latin1', 'application/json; charset=utf-16le']) {
    const response = await sign(contentType, latin1);
    t.equal(response.statusCode, 415, `${contentType}: status`);
    t.equal(response.json().code, 'ERR_REQUEST_MEDIA_TYPE', `${contentType}: code`);
  }
});
