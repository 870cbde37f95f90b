import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli } from '../fixtures/cli.js';

const dir = await mkdtemp(path.join(tmpdir(), 'openraz-policy-cli-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const policiesDir = path.join(dir, 'policies');
await mkdir(policiesDir);
await writeFile(
  path.join(policiesDir, 'p.json'),
  JSON.stringify({
    policies: [
      { id: 1, name: 'readers', resources: { bucket: { values: ['bkt'] }, path: { values: ['data/*/raw'] } }, policyItems: [{ groups: ['analysts'], accesses: [{ type: 'read' }] }] },
      { id: 2, name: 'everything for everyone', resources: { bucket: { values: ['*'] }, path: { values: ['*'] } }, policyItems: [{ groups: ['public'], accesses: [{ type: 'list' }] }] },
      {
        id: 3,
        name: 'shadowed',
        resources: { bucket: { values: ['bkt'] }, path: { values: ['x/'], isRecursive: true } },
        policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }],
        denyPolicyItems: [{ users: ['bob', 'eve'], accesses: [{ type: 'read' }, { type: 'write' }] }],
      },
      { id: 4, name: 'nobody', resources: { bucket: { values: ['bkt'] }, path: { values: ['y/'], isRecursive: true } }, policyItems: [{ groups: ['ghosts'], accesses: [{ type: 'read' }] }] },
    ],
  }),
);

t.test('check prints warnings', async (t) => {
  const groups = path.join(dir, 'groups.txt');
  await writeFile(groups, 'analysts\nops\n');
  const result = await runCli(['policy', 'check', policiesDir, '--known-groups', groups]);
  t.equal(result.code, 0);
  t.match(result.stdout, /p\.json#\/policies\/0\/resources\/path\/values\/0: "data\/\*\/raw": as in Ranger, "\*" and "\?" also match "\/"/);
  t.match(result.stdout, /p\.json#\/policies\/1\/policyItems\/0: allows list on every key of every bucket to every user/);
  t.match(result.stdout, /p\.json#\/policies\/2\/policyItems\/0: never applies: deny item 0 of policy 3/);
  t.match(result.stdout, /p\.json#\/policies\/3\/policyItems\/0: group "ghosts" is not in the known groups/);
  t.match(result.stdout, /4 enabled policies in 1 files, 4 warnings/);
});

t.test('check fails on invalid policies', async (t) => {
  const bad = path.join(dir, 'bad');
  await mkdir(bad);
  await writeFile(path.join(bad, 'p.json'), JSON.stringify({ policies: [{ id: 1, name: 'x', resources: { bucket: { values: ['b'] } } }] }));
  const result = await runCli(['policy', 'check', bad]);
  t.equal(result.code, 1);
  t.match(result.stderr, /p\.json#\/policies\/0\/resources\/path: missing required field "path"/);
});

t.test('test runs a table of cases', async (t) => {
  const cases = path.join(dir, 'cases.json');
  await writeFile(
    cases,
    JSON.stringify({
      cases: [
        { name: 'analyst reads raw', request: { user: 'ann', groups: ['analysts'], operation: 'GetObject', bucket: 'bkt', key: 'data/2026/raw' }, expect: 'allow' },
        { name: 'bob is denied', request: { user: 'bob', accessType: 'read', bucket: 'bkt', key: 'x/1' }, expect: 'deny' },
        { name: 'wrong expectation', request: { user: 'bob', accessType: 'write', bucket: 'bkt', key: 'x/1' }, expect: 'allow' },
      ],
    }),
  );
  const result = await runCli(['policy', 'test', cases, '--policies', policiesDir]);
  t.equal(result.code, 1);
  t.match(result.stdout, /FAIL wrong expectation: expected allow, got deny/);
  t.match(result.stdout, /policy 3 "shadowed": deny by deny-item/);
  t.match(result.stdout, /^2 passed, 1 failed$/m);

  await writeFile(cases, JSON.stringify({ cases: [{ name: 'ok', request: { user: 'ann', groups: ['analysts'], operation: 'GetObject', bucket: 'bkt', key: 'data/a/raw' }, expect: 'allow' }] }));
  const passing = await runCli(['policy', 'test', cases, '--policies', policiesDir]);
  t.equal(passing.code, 0);
  t.match(passing.stdout, /1 passed, 0 failed/);

  await writeFile(cases, JSON.stringify({ cases: [{ name: 'both', request: { user: 'a', operation: 'GetObject', accessType: 'read', bucket: 'bkt', key: 'k' }, expect: 'allow' }] }));
  const invalid = await runCli(['policy', 'test', cases, '--policies', policiesDir]);
  t.equal(invalid.code, 1);
  t.match(invalid.stderr, /cases\.json#\/cases\/0\/request: give exactly one of "operation" and "accessType"/);
});

t.test('explain shows the evaluation', async (t) => {
  const result = await runCli(['policy', 'explain', '--policies', policiesDir, '--user', 'eve', '--operation', 'GetObject', '--bucket', 'bkt', '--key', 'x/secret']);
  t.equal(result.code, 0);
  t.match(result.stdout, /^decision: deny \(denied by policy 3 "shadowed", deny item 0\)/);
  const usage = await runCli(['policy', 'explain', '--policies', policiesDir]);
  t.equal(usage.code, 2);
});

t.test('import-ranger writes loadable files', async (t) => {
  const exportFile = path.join(dir, 'export.json');
  await writeFile(
    exportFile,
    JSON.stringify({
      metaDataInfo: { 'Exported by': 'admin' },
      policies: [
        {
          id: 9,
          guid: 'g-9',
          service: 'cm_s3',
          name: 'raw readers',
          resources: { bucket: { values: ['bkt'] }, path: { values: ['/raw/'], isRecursive: true } },
          policyItems: [{ accesses: [{ type: 'read', isAllowed: true }], groups: ['analysts'], users: [], delegateAdmin: false }],
        },
      ],
    }),
  );
  const out = path.join(dir, 'imported');
  const result = await runCli(['policy', 'import-ranger', exportFile, '--out', out]);
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /raw readers/);
  const check = await runCli(['policy', 'check', out]);
  t.equal(check.code, 0, check.stderr);
  const written = JSON.parse(await readFile(path.join(out, 'cm_s3.json'), 'utf8')) as { policies: { resources: { path: { values: string[] } } }[] };
  t.same(written.policies[0]?.resources.path.values, ['raw/']);
});

t.test('shipped examples behave as described', async (t) => {
  const root = path.join(import.meta.dirname, '../..');
  const check = await runCli(['policy', 'check', path.join(root, 'policies')]);
  t.equal(check.code, 0, check.stderr);
  t.match(check.stdout, /0 warnings/);
  const result = await runCli(['policy', 'test', path.join(root, 'docs/example-policy-cases.json'), '--policies', path.join(root, 'policies')]);
  t.equal(result.code, 0, result.stdout);
  t.match(result.stdout, /18 passed, 0 failed/);
});
