import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { LoadError } from '../../../src/errors/index.js';
import { importRanger, policyFileName, type RangerImportReportEntry, type RangerImportResult } from '../../../src/policy/import/index.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

async function readFixture(name: string): Promise<unknown> {
  return JSON.parse(await readFile(path.join(fixtures, name), 'utf8'));
}

function policyById(result: RangerImportResult, id: number | string): Record<string, unknown> | undefined {
  return result.files[0]?.document.policies.find((policy) => policy.id === id);
}

function entryById(result: RangerImportResult, id: number | string): RangerImportReportEntry | undefined {
  return result.report.find((entry) => entry.policyId === id);
}

/** Returns a Ranger policy for an S3-like service with one allow item, for small inline cases. */
function rangerPolicy(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 1,
    name: 'p',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['a/'], isRecursive: true } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }],
    ...fields,
  };
}

function importOne(fields: Record<string, unknown> = {}): RangerImportResult {
  return importRanger({ policies: [rangerPolicy(fields)] });
}

t.test('admin export: output file and report order', async (t) => {
  const result = importRanger(await readFixture('ranger-export.json'), { source: 'ranger-export.json' });

  t.equal(result.files.length, 1);
  t.equal(result.files[0]?.name, 'cm_s3.json', 'named after the policies\' service');
  t.same(
    result.files[0]?.document.policies.map((policy) => policy.id),
    [101, 102, 108, 109],
    'imported policies keep their ids and order',
  );
  t.same(
    result.report.map((entry) => [entry.policyId, entry.action]),
    [
      [101, 'imported'],
      [102, 'imported-with-changes'],
      [103, 'skipped'],
      [104, 'skipped'],
      [105, 'skipped'],
      [106, 'skipped'],
      [107, 'skipped'],
      [108, 'imported-with-changes'],
      [109, 'imported-with-changes'],
    ],
  );
  t.strictSame(result.notes, [
    'The imported policies name the roles incident-responders; define them in roles.json, because Ranger exports roles separately.',
  ]);
});

t.test('admin export: unchanged policy', async (t) => {
  const result = importRanger(await readFixture('ranger-export.json'));

  t.strictSame(policyById(result, 101), {
    id: 101,
    name: 'analysts read reports',
    description: 'Analysts read and list the 2026 reports.',
    isEnabled: true,
    isAuditEnabled: true,
    policyPriority: 0,
    isDenyAllElse: false,
    resources: {
      bucket: { values: ['reports'], isExcludes: false, isRecursive: false },
      path: { values: ['2026/'], isExcludes: false, isRecursive: true },
    },
    policyItems: [
      {
        accesses: [
          { type: 'read', isAllowed: true },
          { type: 'list', isAllowed: true },
        ],
        users: [],
        groups: ['analysts'],
      },
    ],
    denyPolicyItems: [],
    allowExceptions: [],
    denyExceptions: [],
  });
  t.strictSame(entryById(result, 101), { policyId: 101, name: 'analysts read reports', action: 'imported', details: [] });
});

t.test('admin export: bookkeeping dropped', async (t) => {
  const result = importRanger(await readFixture('ranger-export.json'));
  const bookkeeping = ['guid', 'version', 'createTime', 'updateTime', 'createdBy', 'updatedBy', 'service', 'serviceType', 'resourceSignature', 'zoneName', 'policyType', 'options', 'dataMaskPolicyItems', 'rowFilterPolicyItems'];

  for (const policy of result.files[0]?.document.policies ?? []) {
    for (const field of bookkeeping) t.notOk(field in policy, `policy ${String(policy.id)} has no ${field}`);
    for (const item of policy.policyItems as Record<string, unknown>[]) {
      t.notOk('delegateAdmin' in item, `policy ${String(policy.id)} items have no delegateAdmin`);
    }
  }
  const document = result.files[0]?.document as Record<string, unknown>;
  t.strictSame(Object.keys(document), ['policies'], 'no export metadata in the file');
});

t.test('admin export: renames, slashes, access types', async (t) => {
  const result = importRanger(await readFixture('ranger-export.json'));

  t.strictSame(policyById(result, 102), {
    id: 102,
    name: 'etl uploads raw data',
    isEnabled: true,
    isAuditEnabled: true,
    policyPriority: 0,
    isDenyAllElse: false,
    resources: {
      bucket: { values: ['landing'], isExcludes: false, isRecursive: false },
      path: { values: ['raw/uploads/', 'raw/manual'], isExcludes: false, isRecursive: true },
    },
    policyItems: [{ accesses: [{ type: 'write', isAllowed: true }], users: ['etl'], groups: [] }],
    denyPolicyItems: [
      {
        accesses: [
          { type: 'read', isAllowed: true },
          { type: 'write', isAllowed: true },
          { type: 'delete', isAllowed: true },
          { type: 'list', isAllowed: true },
        ],
        users: [],
        groups: ['contractors'],
      },
    ],
    allowExceptions: [{ accesses: [{ type: 'delete', isAllowed: true }], users: ['etl-test'], groups: [] }],
    denyExceptions: [
      {
        accesses: [{ type: 'read', isAllowed: true }],
        users: ['lead-contractor'],
        groups: [],
        conditions: [{ type: 'ip-range', values: ['10.1.*'] }],
      },
    ],
  });

  t.strictSame(entryById(result, 102)?.details, [
    'resources: renamed bucketname to bucket',
    'resources: renamed objectpath to path',
    'resources.objectpath: path value "/raw/uploads/" became "raw/uploads/", because openraz path values have no leading slash',
    'resources.objectpath: path value "/raw/manual" became "raw/manual", because openraz path values have no leading slash',
    'policyItems[0]: dropped delegateAdmin, because openraz has no policy administration',
    'policyItems[0]: access type create became write',
    'policyItems[0]: dropped access type read_acl, which openraz does not have',
    'dropped policyItems[1], because openraz has none of its access types (read_acl, write_acl)',
    'denyPolicyItems[0]: access type all became read, write, delete and list',
  ]);
});

t.test('admin export: defaults filled', async (t) => {
  const result = importRanger(await readFixture('ranger-export.json'));
  const policy = policyById(result, 102) as Record<string, any>;

  t.equal(policy.isEnabled, true, 'isEnabled');
  t.equal(policy.isAuditEnabled, true, 'isAuditEnabled');
  t.equal(policy.policyPriority, 0, 'policyPriority');
  t.equal(policy.isDenyAllElse, false, 'isDenyAllElse');
  t.equal(policy.resources.bucket.isExcludes, false, 'bucket isExcludes');
  t.equal(policy.resources.bucket.isRecursive, false, 'bucket isRecursive');
  t.equal(policy.resources.path.isExcludes, false, 'path isExcludes');
  t.equal(policy.denyPolicyItems[0].accesses[0].isAllowed, true, 'access isAllowed');
});

t.test('admin export: skip reasons', async (t) => {
  const result = importRanger(await readFixture('ranger-export.json'));
  const cases: [number, string][] = [
    [103, 'it is a data masking policy (policyType 1), and masking applies to table columns, not to objects'],
    [104, 'it belongs to the security zone "finance", and openraz has no security zones to limit it to the zone\'s resources'],
    [
      105,
      'policyItems[0].conditions[0] has the condition type "cidrAnyUserIPs", which openraz does not implement (it implements ip-range and time-of-day); dropping the condition could grant more or deny less',
    ],
    [106, 'policyItems[0] grants to {OWNER}, the owner of the resource, and objects in openraz have no owner'],
    [107, 'the resources "volume" and "key" in resources have no openraz equivalent, because openraz policies name only a bucket and a path'],
  ];

  for (const [id, reason] of cases) {
    const entry = entryById(result, id);
    t.equal(entry?.action, 'skipped', `policy ${id} skipped`);
    t.strictSame(entry?.details, [reason], `policy ${id} reason`);
    t.equal(policyById(result, id), undefined, `policy ${id} not in the file`);
  }
});

t.test('admin export: disabled policy', async (t) => {
  const result = importRanger(await readFixture('ranger-export.json'));

  t.equal(policyById(result, 108)?.isEnabled, false);
  t.same((policyById(result, 108)?.resources as Record<string, any>).path.values, ['export.csv']);
  t.strictSame(entryById(result, 108)?.details, [
    'resources.path: path value "/export.csv" became "export.csv", because openraz path values have no leading slash',
    'the policy is disabled in Ranger and stays disabled',
  ]);
});

t.test('admin export: features kept as they are', async (t) => {
  const result = importRanger(await readFixture('ranger-export.json'));

  t.strictSame(policyById(result, 109), {
    id: 109,
    name: 'quarantine bucket',
    description: 'Only the security team reads quarantined objects, in office hours.',
    isEnabled: true,
    isAuditEnabled: false,
    policyPriority: 1,
    isDenyAllElse: true,
    policyLabels: ['security'],
    resources: {
      bucket: { values: ['quarantine'], isExcludes: false, isRecursive: false },
      path: { values: ['*'], isExcludes: false, isRecursive: true },
    },
    additionalResources: [
      {
        bucket: { values: ['quarantine-archive'], isExcludes: false, isRecursive: false },
        path: { values: ['held/'], isExcludes: false, isRecursive: true },
      },
    ],
    conditions: [{ type: 'time-of-day', values: ['9am-5pm UTC'] }],
    validitySchedules: [{ startTime: '2026/01/01 00:00:00', endTime: '2026/12/31 23:59:59', timeZone: 'UTC', recurrences: [] }],
    policyItems: [
      {
        accesses: [
          { type: 'read', isAllowed: true },
          { type: 'list', isAllowed: true },
        ],
        users: [],
        groups: ['security'],
        roles: ['incident-responders'],
      },
    ],
    denyPolicyItems: [],
    allowExceptions: [],
    denyExceptions: [],
  });
  t.strictSame(entryById(result, 109)?.details, [
    'resources.path: path value "/" became "*", which covers every key as the recursive "/" does in Ranger',
    'additionalResources[0]: renamed bucketname to bucket',
    'additionalResources[0]: renamed objectpath to path',
    'additionalResources[0].objectpath: path value "/held/" became "held/", because openraz path values have no leading slash',
  ]);
});

t.test('plugin download: policies and zones', async (t) => {
  const result = importRanger(await readFixture('ranger-service-policies.json'));

  t.equal(result.files[0]?.name, 'cm_s3.json', 'named after serviceName');
  t.same(
    result.report.map((entry) => [entry.policyId, entry.action]),
    [
      [201, 'imported-with-changes'],
      [202, 'skipped'],
      [203, 'imported-with-changes'],
      [204, 'skipped'],
      [401, 'skipped'],
    ],
    'zone policies are reported after the service policies',
  );
  t.strictSame(entryById(result, 202)?.details, [
    'it has row filter items (rowFilterPolicyItems), and row filters apply to table rows, not to objects',
  ]);
  t.strictSame(entryById(result, 204)?.details, [
    'conditions[0] has the condition type "_expression", which openraz does not implement (it implements ip-range and time-of-day); dropping the condition could grant more or deny less',
  ]);
  t.strictSame(entryById(result, 401)?.details, [
    'it belongs to the security zone "finance", and openraz has no security zones to limit it to the zone\'s resources',
  ]);
});

t.test('plugin download: converted policies', async (t) => {
  const result = importRanger(await readFixture('ranger-service-policies.json'));

  t.strictSame(policyById(result, 201), {
    id: 201,
    name: 'lake readers',
    isEnabled: true,
    isAuditEnabled: true,
    policyPriority: 0,
    isDenyAllElse: false,
    resources: {
      bucket: { values: ['lake'], isExcludes: false, isRecursive: false },
      path: { values: ['curated/*'], isExcludes: false, isRecursive: false },
    },
    policyItems: [
      {
        accesses: [
          { type: 'read', isAllowed: true },
          { type: 'list', isAllowed: true },
        ],
        users: ['{USER}'],
        groups: ['analysts'],
      },
    ],
    denyPolicyItems: [],
    allowExceptions: [],
    denyExceptions: [],
  });
  t.strictSame(entryById(result, 201)?.details, [
    'resources: renamed bucketname to bucket',
    'resources: renamed objectpath to path',
    'resources.objectpath: path value "/curated/*" became "curated/*", because openraz path values have no leading slash',
  ]);

  const admins = policyById(result, 203) as Record<string, any>;
  t.equal(admins.policyPriority, 1);
  t.strictSame(admins.resources.path, { values: ['*'], isExcludes: false, isRecursive: true });
  t.strictSame(admins.policyItems, [
    {
      accesses: [
        { type: 'read', isAllowed: true },
        { type: 'write', isAllowed: true },
        { type: 'delete', isAllowed: true },
        { type: 'list', isAllowed: true },
      ],
      users: [],
      groups: ['platform-admins'],
    },
  ]);
  t.ok(entryById(result, 203)?.details.includes('policyItems[0]: access type all became read, write, delete and list'));
});

t.test('plugin download: notes', async (t) => {
  const result = importRanger(await readFixture('ranger-service-policies.json'));

  t.strictSame(result.notes, [
    '2 tag-based policies of the tag service "cm_tag" were not converted, because openraz has no resource tags.',
    'The download holds 1 policy delta, which was not applied; only the policy lists were converted. A download with deltas may lack policies, so download the full policy set to import every current policy.',
    'The service definition matches paths case-insensitively, but openraz matches S3 keys case-sensitively; check policies whose path values differ in case from the keys they should match.',
  ]);
  t.notOk(
    result.report.some((entry) => entry.policyId === 501 || entry.policyId === 502),
    'tag policies get no report entries',
  );
});

t.test('case note follows matcher options', async (t) => {
  const download = (matcherOptions?: Record<string, unknown>): unknown => ({
    serviceName: 'svc',
    serviceDef: { name: 'objectstore', resources: [{ name: 'path', ...(matcherOptions ? { matcherOptions } : {}) }] },
    policies: [],
  });
  const hasCaseNote = (input: unknown): boolean => importRanger(input).notes.some((note) => note.includes('case-insensitively'));

  t.equal(hasCaseNote(download({ ignoreCase: 'false' })), false, 'string false');
  t.equal(hasCaseNote(download({ ignoreCase: false })), false, 'boolean false');
  t.equal(hasCaseNote(download({ ignoreCase: true })), true, 'boolean true');
  t.equal(hasCaseNote(download()), true, 'absent: Ranger ignores case by default');
});

t.test('create without write is flagged', async (t) => {
  const result = importOne({
    policyItems: [{ users: ['bob'], accesses: [{ type: 'create' }] }],
    denyPolicyItems: [{ users: ['eve'], accesses: [{ type: 'create' }] }],
  });

  t.strictSame(result.report[0]?.details, [
    'policyItems[0]: access type create became write; the item did not allow write in Ranger, so check that it should now allow uploads',
    'denyPolicyItems[0]: access type create became write',
  ]);
});

t.test('duplicate access types merge', async (t) => {
  const result = importOne({
    policyItems: [{ users: ['bob'], accesses: [{ type: 'write', isAllowed: false }, { type: 'create' }, { type: 'read', isAllowed: false }] }],
  });

  t.strictSame((result.files[0]?.document.policies[0]?.policyItems as Record<string, unknown>[])[0]?.accesses, [
    { type: 'write', isAllowed: true },
    { type: 'read', isAllowed: false },
  ]);
});

t.test('more skip reasons', async (t) => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['unknown field', { gdsInfo: {} }, 'the policy has fields that openraz does not know (gdsInfo); convert it by hand'],
    ['policy options', { options: { POLICY_EXPIRE: 'x' } }, 'it sets the policy options "POLICY_EXPIRE", which openraz does not implement'],
    ['audit policy', { policyType: 3 }, 'it is an audit policy (policyType 3), and openraz audits every decision'],
    ['priority', { policyPriority: 2 }, 'policyPriority 2 is not 0 (normal) or 1 (override)'],
    ['no id', { id: undefined }, 'the policy has no id'],
    ['no name', { name: '' }, 'the policy has no name'],
    [
      'bucket only',
      { resources: { bucketname: { values: ['bkt'] } } },
      'resources has no path resource, and an openraz policy needs both a bucket and a path',
    ],
    [
      'two bucket names',
      { resources: { bucket: { values: ['a'] }, bucketname: { values: ['b'] }, path: { values: ['*'] } } },
      'resources names the bucket twice, as "bucket" and as "bucketname"',
    ],
    [
      'owner in a path',
      { resources: { bucket: { values: ['home'] }, path: { values: ['/{OWNER}/'], isRecursive: true } } },
      'resources.path value "/{OWNER}/" uses {OWNER}, the owner of the resource, and objects in openraz have no owner',
    ],
    [
      'request expression',
      { resources: { bucket: { values: ['b'] }, path: { values: ['${{USER.dept}}/'] } } },
      'resources.path value "${{USER.dept}}/" uses a request expression, which openraz does not evaluate',
    ],
    [
      'condition without values',
      { policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: [] }] }] },
      'policyItems[0].conditions[0] (ip-range) has an empty value, and openraz needs at least one non-empty value',
    ],
    [
      'unknown item field',
      { policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }], owner: 'x' }] },
      'policyItems[0] has fields that openraz does not know (owner); convert this policy by hand',
    ],
  ];

  for (const [label, fields, reason] of cases) {
    const result = importOne(fields);
    t.equal(result.report[0]?.action, 'skipped', `${label}: skipped`);
    t.strictSame(result.report[0]?.details, [reason], `${label}: reason`);
    t.equal(result.files[0]?.document.policies.length, 0, `${label}: nothing written`);
  }
});

t.test('every skip reason is listed', async (t) => {
  const result = importOne({ policyType: 1, zoneName: 'z', policyPriority: 9 });

  t.strictSame(result.report[0]?.details, [
    'it is a data masking policy (policyType 1), and masking applies to table columns, not to objects',
    'it belongs to the security zone "z", and openraz has no security zones to limit it to the zone\'s resources',
    'policyPriority 9 is not 0 (normal) or 1 (override)',
  ]);
});

t.test('non-recursive root path', async (t) => {
  const result = importOne({ resources: { bucket: { values: ['b'] }, path: { values: ['/'] } } });

  t.same((result.files[0]?.document.policies[0]?.resources as Record<string, any>).path.values, ['']);
  t.strictSame(result.report[0]?.details, [
    'resources.path: path value "/" became "", which matches no object key, because openraz path values have no leading slash',
  ]);
});

t.test('duplicate policy ids', async (t) => {
  const result = importRanger({ policies: [rangerPolicy({ name: 'first' }), rangerPolicy({ name: 'second' })] });

  t.same(result.files[0]?.document.policies.map((policy) => policy.name), ['first']);
  t.strictSame(result.report[1], {
    policyId: 1,
    name: 'second',
    action: 'skipped',
    details: ['another policy with the id 1 was imported before it'],
  });
});

t.test('serviceName selects one service', async (t) => {
  const input = {
    policies: [rangerPolicy({ id: 1, service: 'cm_s3' }), rangerPolicy({ id: 2, service: 'cm_hdfs' }), rangerPolicy({ id: 3 })],
  };

  const all = importRanger(input);
  t.equal(all.files[0]?.name, 'ranger-import.json', 'several services: default name');
  t.strictSame(all.notes, ['The input holds policies of 2 services (cm_s3, cm_hdfs), and all of them were converted into one file.']);

  const selected = importRanger(input, { serviceName: 'cm_s3' });
  t.equal(selected.files[0]?.name, 'cm_s3.json');
  t.same(selected.files[0]?.document.policies.map((policy) => policy.id), [1, 3], 'a policy without a service is kept');
  t.strictSame(selected.report[1], { policyId: 2, name: 'p', action: 'skipped', details: ['it belongs to the service "cm_hdfs", not "cm_s3"'] });
  t.strictSame(selected.notes, []);
});

t.test('invalid input is a LoadError', async (t) => {
  const cases: [string, unknown, string, string][] = [
    ['array', [], '', 'the input is not a JSON object; expected a Ranger Admin export or a plugin policy download'],
    ['no policies', { metaDataInfo: {} }, '/policies', 'missing policy list; expected a Ranger Admin export or a plugin policy download'],
    ['download with bad list', { serviceName: 's', policies: {} }, '/policies', 'the policy list is not a JSON array'],
  ];

  for (const [label, input, pointer, message] of cases) {
    const error = (() => {
      try {
        importRanger(input, { source: 'export.json' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    t.ok(error instanceof LoadError, `${label}: LoadError`);
    t.strictSame((error as LoadError).problems, [{ source: 'export.json', pointer, message }], `${label}: problem`);
  }
});

t.test('non-object policy entry', async (t) => {
  const result = importRanger({ policies: ['oops'] });

  t.strictSame(result.report, [{ policyId: null, name: null, action: 'skipped', details: ['the policy is not a JSON object'] }]);
});

t.test('file names', async (t) => {
  t.equal(policyFileName('cm_s3'), 'cm_s3.json');
  t.equal(policyFileName('prod/s3 data'), 'prod_s3_data.json', 'unsafe characters replaced');
  t.equal(policyFileName('..'), 'ranger-import.json', 'no hidden or empty name');
  t.equal(policyFileName('schema'), 'ranger-import.json', 'the loader skips schema.json');
  t.equal(policyFileName(undefined), 'ranger-import.json');
});

t.test('condition values the loader rejects skip the policy', async (t) => {
  const result = importRanger({
    policies: [
      {
        id: 5,
        name: 'office hours without a zone',
        resources: { bucket: { values: ['b'] }, path: { values: ['x/'] } },
        policyItems: [{ users: ['u'], accesses: [{ type: 'read' }], conditions: [{ type: 'time-of-day', values: ['9am-5pm'] }] }],
      },
      {
        id: 6,
        name: 'any address',
        resources: { bucket: { values: ['b'] }, path: { values: ['y/'] } },
        policyItems: [{ users: ['u'], accesses: [{ type: 'read' }], conditions: [{ type: 'ip-range', values: ['*'] }] }],
      },
    ],
  });
  t.same(
    result.report.map((entry) => entry.action),
    ['skipped', 'skipped'],
  );
  t.match(result.report[0]?.details.join('\n'), /no time zone/);
  t.match(result.report[1]?.details.join('\n'), /invalid ip-range value "\*"/);
});
