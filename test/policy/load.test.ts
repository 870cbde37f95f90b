import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { LoadError, type LoadProblem } from '../../src/errors/index.js';
import { compilePolicyFiles, loadPolicyDirectory } from '../../src/policy/index.js';

/** Returns what `promise` rejects with, or fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

const valid = {
  id: 7,
  name: 'readers',
  resources: { bucket: { values: ['bkt'] }, path: { values: ['a/'], isRecursive: true } },
  policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }],
};

async function problemsOf(document: unknown): Promise<LoadProblem[]> {
  try {
    await compilePolicyFiles([{ name: 'p.json', text: JSON.stringify(document) }]);
  } catch (error) {
    if (error instanceof LoadError) return [...error.problems];
    throw error;
  }
  return [];
}

t.test('a Ranger export loads with its bookkeeping', async (t) => {
  const exported = {
    metaDataInfo: { 'Host name': 'ranger', 'Exported by': 'admin', 'Export time': 'Jan 02, 2026' },
    startIndex: 0,
    pageSize: 200,
    totalCount: 1,
    resultSize: 1,
    queryTimeMS: 12,
    policies: [
      {
        ...valid,
        guid: '5b8d-...',
        version: 3,
        createTime: 1735776000000,
        updateTime: 1735776000000,
        createdBy: 'Admin',
        updatedBy: 'Admin',
        service: 'cm_s3',
        serviceType: 's3',
        policyType: 0,
        isEnabled: true,
        isAuditEnabled: true,
        policyPriority: 0,
        isDenyAllElse: false,
        zoneName: '',
        policyLabels: [],
        conditions: [],
        validitySchedules: [],
        dataMaskPolicyItems: [],
        rowFilterPolicyItems: [],
        resourceSignature: 'abc',
        options: {},
        policyItems: [{ users: ['bob'], groups: [], roles: [], conditions: [], delegateAdmin: false, accesses: [{ type: 'read', isAllowed: true }] }],
      },
    ],
  };
  t.same(await problemsOf(exported), []);
});

t.test('unknown fields are load errors naming the field', async (t) => {
  const problems = await problemsOf({ policies: [{ ...valid, allowAll: true, policyItems: [{ users: ['bob'], acesses: [] }] }] });
  const pointers = problems.map((problem) => problem.pointer).sort();
  t.ok(pointers.includes('/policies/0/allowAll'), 'the unknown policy field');
  t.ok(pointers.includes('/policies/0/policyItems/0/acesses'), 'the misspelt item field');
  t.ok(pointers.includes('/policies/0/policyItems/0/accesses'), 'the missing accesses');
  t.match(problems.find((problem) => problem.pointer === '/policies/0/allowAll')?.message, /unknown field "allowAll"/);
  t.equal(problems[0]?.source, 'p.json');
});

t.test('unsupported Ranger features are load errors', async (t) => {
  const cases: [field: string, value: unknown, pointer: string][] = [
    ['conditions', [{ type: 'script', values: ['true'] }], '/policies/0/conditions/0'],
    ['dataMaskPolicyItems', [{ accesses: [{ type: 'read' }] }], '/policies/0/dataMaskPolicyItems'],
    ['rowFilterPolicyItems', [{}], '/policies/0/rowFilterPolicyItems'],
    ['additionalResources', [{ bucket: { values: ['b'] }, path: { values: ['/x'] } }], '/policies/0/additionalResources/0/path/values/0'],
    ['zoneName', 'finance', '/policies/0/zoneName'],
    ['policyType', 1, '/policies/0/policyType'],
  ];
  for (const [field, value, pointer] of cases) {
    const problems = await problemsOf({ policies: [{ ...valid, [field]: value }] });
    t.equal(problems.length, 1, field);
    t.equal(problems[0]?.pointer, pointer, `${field} pointer`);
  }

  const roles = await problemsOf({ policies: [{ ...valid, denyPolicyItems: [{ users: ['x'], accesses: [{ type: 'read' }], roles: ['admins'] }] }] });
  t.equal(roles[0]?.pointer, '/policies/0/denyPolicyItems/0/roles/0', 'an undefined role');
  t.match(roles[0]?.message, /role "admins" is not defined in roles.json/);

  const owner = await problemsOf({ policies: [{ ...valid, resources: { bucket: { values: ['bkt'] }, path: { values: ['home/{OWNER}/'] } } }] });
  t.equal(owner[0]?.pointer, '/policies/0/resources/path/values/0', 'the owner macro');
  const userInBucket = await problemsOf({ policies: [{ ...valid, resources: { bucket: { values: ['{USER}'] }, path: { values: ['*'] } } }] });
  t.equal(userInBucket[0]?.pointer, '/policies/0/resources/bucket/values/0', 'the user macro in a bucket');
  const userMacro = await problemsOf({ policies: [{ ...valid, resources: { bucket: { values: ['bkt'] }, path: { values: ['home/{USER}/'] } } }] });
  t.same(userMacro, [], 'the user macro in a path');
});

t.test('conditions are checked at load time', async (t) => {
  const cases: [conditions: unknown, pointer: string, message: RegExp][] = [
    [[{ type: 'geo-fence', values: ['EU'] }], '/policies/0/policyItems/0/conditions/0', /unknown condition type "geo-fence"/],
    [[{ type: 'time-of-day', values: ['9am-5pm'] }], '/policies/0/policyItems/0/conditions/0', /zone/],
    [[{ type: 'ip-range', values: ['10.0.0.0/33'] }], '/policies/0/policyItems/0/conditions/0', /prefix length/],
    [[{ type: 'ip-range', values: ['10.*.1'] }], '/policies/0/policyItems/0/conditions/0', /wildcard/],
    [[{ type: 'ip-range', values: ['intranet'] }], '/policies/0/policyItems/0/conditions/0', /invalid ip-range value "intranet"/],
    [[{ type: 'ip-range' }], '/policies/0/policyItems/0/conditions/0/values', /missing required field "values"/],
    [[{ type: 'ip-range', values: ['10.0.0.1'], extra: 1 }], '/policies/0/policyItems/0/conditions/0/extra', /unknown field/],
  ];
  for (const [conditions, pointer, message] of cases) {
    const problems = await problemsOf({ policies: [{ ...valid, policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], conditions }] }] });
    t.equal(problems.length, 1, JSON.stringify(conditions));
    t.equal(problems[0]?.pointer, pointer, `${JSON.stringify(conditions)} pointer`);
    t.match(problems[0]?.message, message, `${JSON.stringify(conditions)} message`);
  }
  const good = await problemsOf({ policies: [{ ...valid, policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['10.1.*', '192.0.2.7', '2001:db8::/32'] }] }] }] });
  t.same(good, []);
});

t.test('unknown access types and leading slashes are rejected', async (t) => {
  const access = await problemsOf({ policies: [{ ...valid, policyItems: [{ users: ['bob'], accesses: [{ type: 'admin' }] }] }] });
  t.equal(access[0]?.pointer, '/policies/0/policyItems/0/accesses/0/type');
  const slash = await problemsOf({ policies: [{ ...valid, resources: { bucket: { values: ['bkt'] }, path: { values: ['/secret/'] } } }] });
  t.match(slash[0]?.message, /without a leading slash/);
});

t.test('duplicate ids across files are rejected', async (t) => {
  const text = JSON.stringify({ policies: [valid] });
  t.match(await rejection(compilePolicyFiles([{ name: 'a.json', text }, { name: 'b.json', text }])), {
    problems: [{ source: 'b.json', pointer: '/policies/0/id' }],
  });
});

t.test('every problem in every file is reported', async (t) => {
  const error = await compilePolicyFiles([
    { name: 'a.json', text: '{"policies": [' },
    { name: 'b.json', text: JSON.stringify({ policies: [{ ...valid, isEnabled: 'yes' }] }) },
  ]).catch((caught: unknown) => caught);
  t.ok(error instanceof LoadError);
  const problems = (error as LoadError).problems;
  t.equal(problems.length, 2);
  t.equal(problems[0]?.source, 'a.json');
  t.match(problems[0]?.message, /invalid JSON/);
  t.equal(problems[1]?.pointer, '/policies/0/isEnabled');
});

t.test('loading a directory', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-policies-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  t.match(await rejection(loadPolicyDirectory(dir)), { problems: [{ message: /no policy files/ }] }, 'an empty directory');
  t.match(await rejection(loadPolicyDirectory(path.join(dir, 'missing'))), { problems: [{ message: /cannot read/ }] });

  await writeFile(path.join(dir, 'schema.json'), '{"not": "a policy file"}');
  await writeFile(path.join(dir, 'notes.txt'), 'ignored');
  await writeFile(path.join(dir, 'a.json'), JSON.stringify({ policies: [valid] }));
  const set = await loadPolicyDirectory(dir, { now: new Date('2026-01-02T00:00:00Z') });
  t.equal(set.info.policyCount, 1);
  t.same(set.info.files, [path.join(dir, 'a.json')], 'schema.json and other files are skipped');
  t.match(set.info.version, /^[0-9a-f]{64}$/);

  await writeFile(path.join(dir, 'a.json'), JSON.stringify({ policies: [{ ...valid, name: 'renamed' }] }));
  const changed = await loadPolicyDirectory(dir);
  t.not(changed.info.version, set.info.version, 'the version changes with the content');
});

t.test('shipped example policies load', async (t) => {
  const set = await loadPolicyDirectory(path.join(import.meta.dirname, '../../policies'));
  t.ok(set.info.policyCount > 0);
});

t.test('published schema equals the loader schema', async (t) => {
  const { readFile } = await import('node:fs/promises');
  const { POLICY_FILE_SCHEMA } = await import('../../src/policy/index.js');
  const published = JSON.parse(await readFile(path.join(import.meta.dirname, '../../policies/schema.json'), 'utf8')) as unknown;
  t.same(published, POLICY_FILE_SCHEMA, 'run npm run write-policy-schema after changing src/policy/schema.ts');
});

t.test('problems of every kind come in one load', async (t) => {
  const problems = await problemsOf({
    policies: [
      { ...valid, id: 1, policyItems: [{ users: ['bob'], accesses: [{ type: 'admin' }] }] },
      { ...valid, id: 2, resources: { bucket: { values: ['bkt'] }, path: { values: ['/lead'] } } },
      { ...valid, id: 2 },
      { ...valid, id: 3, policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['nowhere'] }] }] },
    ],
  });
  t.same(problems.map((problem) => problem.pointer).sort(), [
    '/policies/0/policyItems/0/accesses/0/type',
    '/policies/1/resources/path/values/0',
    '/policies/2/id',
    '/policies/3/policyItems/0/conditions/0',
  ]);
});
