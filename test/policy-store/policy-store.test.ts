import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { DEFAULT_MATCHER_OPTIONS, type AccessRequest } from '../../src/policy/index.js';
import { PolicyStore, type ReloadResult } from '../../src/policy-store/index.js';

function policies(user: string): string {
  return JSON.stringify({
    policies: [{ id: 1, name: 'readers', resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } }, policyItems: [{ users: [user], accesses: [{ type: 'read' }] }] }],
  });
}

const read = (user: string): AccessRequest => ({ principal: { user, groups: [] }, accessType: 'read', resource: { kind: 'object', bucket: 'bkt', key: 'k' } });

async function setUp(t: { teardown(fn: () => Promise<void>): void }): Promise<{ dir: string; store: PolicyStore; results: ReloadResult[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-store-'));
  await writeFile(path.join(dir, 'p.json'), policies('ann'));
  const results: ReloadResult[] = [];
  const store = await PolicyStore.open({ dir, matcher: DEFAULT_MATCHER_OPTIONS, onReload: (result) => results.push(result), debounceMs: 50 });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, store, results };
}

t.test('reload swaps in a valid set', async (t) => {
  const { dir, store } = await setUp(t);
  const before = store.current();
  t.equal(before.evaluate(read('ann')).allowed, true);

  await writeFile(path.join(dir, 'p.json'), policies('bob'));
  const result = await store.reload();
  t.equal(result.outcome, 'loaded');
  t.not(store.current().info.version, before.info.version);
  t.equal(store.current().evaluate(read('bob')).allowed, true);
  t.equal(store.current().evaluate(read('ann')).allowed, false);
  t.equal(before.evaluate(read('ann')).allowed, true, 'a set taken before the reload is unchanged');

  t.equal((await store.reload()).outcome, 'unchanged', 'the same files again');
});

t.test('an invalid set never replaces the last good one', async (t) => {
  const { dir, store } = await setUp(t);
  const good = store.current().info.version;
  await writeFile(path.join(dir, 'p.json'), '{"policies": [ {"id": 1} ]');
  const result = await store.reload();
  t.equal(result.outcome, 'failed');
  t.match(result.outcome === 'failed' ? result.error.message : '', /invalid JSON/);
  t.equal(store.current().info.version, good);
  t.equal(store.current().evaluate(read('ann')).allowed, true);

  await writeFile(path.join(dir, 'p.json'), JSON.stringify({ policies: [{ id: 1, name: 'x', resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } }, policyItems: [{ users: ['ann'], accesses: [{ type: 'admin' }] }] }] }));
  t.equal((await store.reload()).outcome, 'failed', 'a schema error');
  t.equal(store.current().info.version, good);
});

t.test('a file change triggers a reload', async (t) => {
  const { dir, store, results } = await setUp(t);
  store.watch();
  await writeFile(path.join(dir, 'p.json'), policies('carl'));
  const deadline = Date.now() + 5_000;
  while (results.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(results[0]?.outcome, 'loaded');
  t.equal(store.current().evaluate(read('carl')).allowed, true);
});

t.test('concurrent reloads run one at a time', async (t) => {
  const { dir, store, results } = await setUp(t);
  await writeFile(path.join(dir, 'p.json'), policies('dora'));
  await Promise.all([store.reload(), store.reload(), store.reload()]);
  await store.close();
  t.equal(results.filter((result) => result.outcome === 'loaded').length, 1, 'one load swapped the set');
  t.equal(store.current().evaluate(read('dora')).allowed, true);
});
