import { rm } from 'node:fs/promises';
import t from 'tap';
import { Glob } from '../../src/policy/index.js';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// A matcher built on a backtracking regular expression (`.*` for each `*`) costs about n^k
// steps for k wildcards and a key that almost matches, and the event loop is blocked for all of it.
// Any caller with a valid token picks the key, and the engine matches it against every policy
// of the bucket before deciding, so no permission is needed. Matching must stay linear in the
// key length, as the NFA that decides list requests already is.

// No timed assertion: a backtracking matcher takes minutes on these inputs, and the per-test
// timeout (far above what a linear matcher needs) fails it.
const TIMEOUT = { timeout: 20_000 };

t.test('four wildcards against a 325-character key', TIMEOUT, async (t) => {
  const glob = new Glob('data/*/*/*/*.parquet', { recursive: false, ignoreCase: false, separator: '/' });
  const key = `data/${'/'.repeat(320)}`;
  const matched = glob.matches(key);
  t.equal(matched, false, 'the key does not end in .parquet');
});

t.test('sign request with a crafted key', TIMEOUT, async (t) => {
  const keys = await createTestKeys();
  t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
  const service = await startTestService({
    keys,
    policies: [
      {
        id: 1,
        name: 'analysts read partitioned parquet',
        resources: { bucket: { values: ['bkt'] }, path: { values: ['data/*/*/*/*.parquet'] } },
        policyItems: [{ groups: ['analysts'], accesses: [{ type: 'read' }] }],
      },
    ],
  });
  t.teardown(() => service.close());

  // Mallory is in no group: she is denied, but only after the engine has matched her key.
  const token = await signToken(keys, { sub: 'mallory' });
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { operation: 'GetObject', bucket: 'bkt', key: `data/${'/'.repeat(320)}` },
  });
  t.equal(response.statusCode, 403, 'the request is denied');
});

t.test('three wildcards against the longest key', TIMEOUT, async (t) => {
  const glob = new Glob('logs/*/*/*.gz', { recursive: true, ignoreCase: false, separator: '/' });
  const key = `logs/${'/'.repeat(1019)}`;
  const matched = glob.matches(key);
  t.equal(matched, false, 'the key does not end in .gz');
});
