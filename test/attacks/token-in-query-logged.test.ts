import { rm } from 'node:fs/promises';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// RFC 6750, section 2.3 lets OAuth clients send a bearer token as the `access_token` query
// parameter. openraz does not accept it there (401). Fastify's default request serializer
// logs the whole URL with its query string, so such a token reached the diagnostic log at
// level info. The log must show the path and never a query string.
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

t.test('query-string token stays out of the log', async (t) => {
  const token = await signToken(keys, { sub: 'alice' });
  const response = await service.app.inject({
    method: 'POST',
    url: `/v1/sign?access_token=${token}`,
    payload: { operation: 'GetObject', bucket: 'bkt', key: 'data/x' },
  });
  t.equal(response.statusCode, 401, 'a token in the query string is not accepted');
  t.notOk(response.body.includes(token), 'the error body does not echo the token');

  const log = service.logText();
  t.match(log, /"\/v1\/sign/, 'the request was logged');
  t.notOk(log.includes(token.split('.')[2]!), 'the log has no token signature');
  t.notOk(log.includes(token.split('.')[1]!), 'the log has no token payload');
});
