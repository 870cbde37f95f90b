import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// 100 reloads, good and bad mixed, while requests keep coming: every request must be
// decided by a complete policy set, so none may fail.
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

function policies(version: number): object[] {
  return [
    { id: 1, name: `readers v${version}`, resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } }, policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] },
    { id: 2, name: `filler v${version}`, resources: { bucket: { values: ['bkt'] }, path: { values: [`v${version}/`], isRecursive: true } }, policyItems: [{ users: ['eve'], accesses: [{ type: 'read' }] }] },
  ];
}

t.test('reloads under load fail no request', async (t) => {
  const service = await startTestService({ keys, policies: policies(0), config: { policies: { watch: false }, rateLimit: { enabled: false } } });
  t.teardown(() => service.close());
  const file = path.join(service.policies.current().info.files[0]!);
  const token = await signToken(keys, { sub: 'bob' });

  let stop = false;
  const statuses = new Map<number, number>();
  const client = async (): Promise<void> => {
    while (!stop) {
      const response = await service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${token}` }, payload: { operation: 'GetObject', bucket: 'bkt', key: 'data/x' } });
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
    }
  };
  const clients = Array.from({ length: 8 }, client);

  const outcomes = { loaded: 0, failed: 0, unchanged: 0 };
  for (let round = 1; round <= 100; round++) {
    const good = round % 3 !== 0;
    await writeFile(file, good ? JSON.stringify({ policies: policies(round) }) : '{"policies": [ {"id": 1, "name": "broken"');
    const result = await service.policies.reload();
    outcomes[result.outcome]++;
  }
  stop = true;
  await Promise.all(clients);

  t.equal(outcomes.loaded, 67, 'every good set was loaded');
  t.equal(outcomes.failed, 33, 'every bad set was rejected');
  t.same([...statuses.keys()], [200], `only 200 answers (${statuses.get(200)} requests)`);
  t.ok((statuses.get(200) ?? 0) > 100, 'requests ran throughout');
  const metrics = await service.app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.body, /openraz_policy_reloads_total\{result="failed"\} 33/);
  t.match(metrics.body, /openraz_policy_reloads_total\{result="loaded"\} 67/);
});
