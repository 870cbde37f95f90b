import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { LoadError } from '../../src/errors/index.js';
import { RevocationStore, loadRevocationFile, parseRevocationFile, type FileReloadResult } from '../../src/revocation/index.js';
import { createTestKeys } from '../fixtures/tokens.js';
import { startTestService } from '../fixtures/service.js';

const NOW = new Date('2026-01-02T10:00:00Z');
const READ_ALL_POLICY = { id: 1, name: 'everyone reads', resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } }, policyItems: [{ groups: ['public'], accesses: [{ type: 'read' }] }] };
const mallory = { user: 'mallory', groups: [] };
const object = { kind: 'object', bucket: 'bkt', key: 'k' } as const;

function blocksFile(...blocks: object[]): string {
  return JSON.stringify({ blocks });
}

async function setUp(t: { teardown(fn: () => Promise<void>): void }, text: string): Promise<{ file: string; store: RevocationStore; results: FileReloadResult[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-revocations-'));
  const file = path.join(dir, 'revocations.json');
  await writeFile(file, text);
  const results: FileReloadResult[] = [];
  const store = await RevocationStore.open({ file, now: () => NOW, onFileReload: (result) => results.push(result), debounceMs: 50 });
  t.teardown(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { file, store, results };
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof LoadError) return error.problems.map((problem) => `${problem.source}#${problem.pointer}: ${problem.message}`);
    throw error;
  }
  return [];
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

t.test('file blocks load with stable ids', async (t) => {
  const text = blocksFile(
    { kind: 'user', value: 'mallory', reason: 'laptop stolen' },
    { kind: 'prefix', bucket: 'bkt', prefix: 'secret/', expiresAt: '2026-02-01T00:00:00+01:00' },
  );
  const blocks = parseRevocationFile('r.json', text);
  t.equal(blocks.length, 2);
  t.match(blocks[0], { kind: 'user', value: 'mallory', reason: 'laptop stolen', source: 'file' });
  t.match(blocks[0]!.id, /^file-[0-9a-f]{16}$/);
  t.equal(blocks[1]!.expiresAt, '2026-01-31T23:00:00.000Z', 'expiresAt in UTC');
  t.equal(parseRevocationFile('r.json', text)[0]!.id, blocks[0]!.id, 'the same entry keeps its id');
  t.not(blocks[0]!.id, blocks[1]!.id);
});

t.test('invalid files list every problem', async (t) => {
  t.match(problemsOf(() => parseRevocationFile('r.json', '{"blocks": [')), [/^r\.json#: invalid JSON/]);

  const schemaProblems = problemsOf(() =>
    parseRevocationFile('r.json', blocksFile({ kind: 'role', value: 'x' }, { kind: 'user', value: 'bob', until: 'never' }, { kind: 'token', value: 't', expiresAt: 'tomorrow' })),
  );
  t.same(
    schemaProblems.sort(),
    [
      'r.json#/blocks/0/kind: must be one of "user", "group", "token", "prefix"',
      'r.json#/blocks/1/until: unknown field "until"; remove it or fix its spelling',
      'r.json#/blocks/2/expiresAt: must match format "date-time"',
    ],
  );

  const fieldProblems = problemsOf(() =>
    parseRevocationFile(
      'r.json',
      blocksFile({ kind: 'user' }, { kind: 'prefix', bucket: 'bkt' }, { kind: 'group', value: 'g', bucket: 'bkt' }, { kind: 'user', value: 'eve' }, { kind: 'user', value: 'eve', reason: 'again' }),
    ),
  );
  t.same(fieldProblems, [
    'r.json#/blocks/0/value: a user block needs "value"',
    'r.json#/blocks/1/prefix: a prefix block needs "prefix" (an empty string blocks the whole bucket)',
    'r.json#/blocks/2/bucket: "bucket" goes only with kind "prefix"; a group block takes "value"',
    'r.json#/blocks/4: duplicate block, the same target as /blocks/3; keep one entry per target',
  ]);

  t.match(problemsOf(() => parseRevocationFile('r.json', '{"blocks": {}}')), ['r.json#/blocks: must be array']);
});

t.test('missing file is a load error', async (t) => {
  await t.rejects(loadRevocationFile(path.join(tmpdir(), 'openraz-no-such-dir', 'revocations.json')), { name: 'LoadError', message: /cannot read the revocation file/ });
});

t.test('reload swaps in a valid file', async (t) => {
  const { file, store } = await setUp(t, blocksFile({ kind: 'user', value: 'mallory' }));
  t.match(store.findBlock(mallory, object), /^user "mallory" is blocked \(file block file-[0-9a-f]{16}\)$/);

  await writeFile(file, blocksFile({ kind: 'group', value: 'contractors', reason: 'contract ended' }));
  const result = await store.reloadFile();
  t.match(result, { outcome: 'loaded', blockCount: 1 });
  t.equal(store.findBlock(mallory, object), undefined, 'the removed entry no longer blocks');
  t.match(store.findBlock({ user: 'ann', groups: ['contractors'] }, object), /group "contractors" is blocked .*: contract ended$/);
  t.equal((await store.reloadFile())?.outcome, 'unchanged', 'the same text again');
});

t.test('invalid reload keeps last good', async (t) => {
  const { file, store } = await setUp(t, blocksFile({ kind: 'user', value: 'mallory' }));

  await writeFile(file, '{"blocks": [ {"kind": "user"} ]}');
  const invalid = await store.reloadFile();
  t.equal(invalid?.outcome, 'failed');
  t.match(invalid?.outcome === 'failed' ? invalid.error.message : '', /revocations\.json#\/blocks\/0\/value: a user block needs "value"/);
  t.ok(store.findBlock(mallory, object), 'the last good blocks keep applying');

  await rm(file);
  t.equal((await store.reloadFile())?.outcome, 'failed', 'a deleted file');
  t.ok(store.findBlock(mallory, object), 'a deleted file does not lift the blocks');
  t.equal(store.list().length, 1);
});

t.test('file change triggers a reload', async (t) => {
  const { file, store, results } = await setUp(t, blocksFile());
  store.watch();
  t.equal(store.findBlock(mallory, object), undefined);

  // Written beside the file and renamed over it, as editors and ConfigMap volumes do.
  await writeFile(`${file}.tmp`, blocksFile({ kind: 'user', value: 'mallory' }));
  await rename(`${file}.tmp`, file);
  t.ok(await waitFor(() => store.findBlock(mallory, object) !== undefined), 'the new block applies without a restart');
  t.ok(results.some((result) => result.outcome === 'loaded'));

  await writeFile(file, 'not json');
  t.ok(await waitFor(() => results.some((result) => result.outcome === 'failed')), 'an invalid write is reported');
  t.ok(store.findBlock(mallory, object), 'and the last good blocks keep applying');
});

t.test('invalid file stops startup', async (t) => {
  const keys = await createTestKeys();
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-revocations-'));
  t.teardown(async () => {
    await rm(dir, { recursive: true, force: true });
    await rm(keys.dir, { recursive: true, force: true });
  });
  const file = path.join(dir, 'revocations.json');
  await writeFile(file, blocksFile({ kind: 'prefix', value: 'x' }));

  await t.rejects(startTestService({ keys, policies: [READ_ALL_POLICY], config: { revocation: { file } } }), {
    name: 'LoadError',
    message: /revocations\.json#\/blocks\/0\/value: a prefix block takes "bucket" and "prefix", not "value"/,
  });
});
