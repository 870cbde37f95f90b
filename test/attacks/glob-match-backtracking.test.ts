import { rm } from 'node:fs/promises';
import t from 'tap';
import { Glob } from '../../src/policy/index.js';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// Glob.matches runs a backtracking regular expression (`.*` for each `*`). With k wildcards a
// key that almost matches costs about n^k steps, and the event loop is blocked for all of it.
// Any caller with a valid token picks the key, and the engine matches it against every policy
// of the bucket before deciding, so no permission is needed. Matching must stay linear in the
// key length, as the NFA that answers list requests already is.

// Generous: a linear matcher takes well under a millisecond for these inputs.
const BUDGET_MS = 100;

t.test('four wildcards against a 325-character key', async (t) => {
  const glob = new Glob('data/*/*/*/*.parquet', { recursive: false, ignoreCase: false, separator: '/' });
  const key = `data/${'/'.repeat(320)}`;
  const started = performance.now();
  const matched = glob.matches(key);
  const elapsed = performance.now() - started;
  t.equal(matched, false, 'the key does not end in .parquet');
  t.ok(elapsed < BUDGET_MS, `matching took ${elapsed.toFixed(0)} ms, budget ${BUDGET_MS} ms`);
});

t.test('sign request with a crafted key', async (t) => {
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
  const started = performance.now();
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { operation: 'GetObject', bucket: 'bkt', key: `data/${'/'.repeat(320)}` },
  });
  const elapsed = performance.now() - started;
  t.equal(response.statusCode, 403, 'the request is denied');
  t.ok(elapsed < BUDGET_MS, `the decision took ${elapsed.toFixed(0)} ms, budget ${BUDGET_MS} ms`);
});

t.test('three wildcards against the longest key', async (t) => {
  const glob = new Glob('logs/*/*/*.gz', { recursive: true, ignoreCase: false, separator: '/' });
  const key = `logs/${'/'.repeat(1019)}`;
  const started = performance.now();
  const matched = glob.matches(key);
  const elapsed = performance.now() - started;
  t.equal(matched, false, 'the key does not end in .gz');
  t.ok(elapsed < BUDGET_MS, `matching took ${elapsed.toFixed(0)} ms, budget ${BUDGET_MS} ms`);
});
