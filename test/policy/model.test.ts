import t from 'tap';
import { compilePolicyFiles, type AccessRequest, type AccessType, type PolicySet } from '../../src/policy/index.js';

async function load(policies: object[], roles?: object[]): Promise<PolicySet> {
  return compilePolicyFiles([{ name: 'p.json', text: JSON.stringify({ policies }) }], {
    ...(roles === undefined ? {} : { roles: { name: 'roles.json', text: JSON.stringify({ roles }) } }),
  });
}

function request(user: string, accessType: AccessType, key: string, extra: Partial<AccessRequest> & { groups?: string[]; roles?: string[] } = {}): AccessRequest {
  return {
    principal: { user, groups: extra.groups ?? [], ...(extra.roles === undefined ? {} : { roles: extra.roles }) },
    accessType,
    resource: { kind: 'object', bucket: 'bkt', key },
    ...(extra.context === undefined ? {} : { context: extra.context }),
  };
}

const bucket = { values: ['bkt'] };

t.test('roles through users, groups and nesting', async (t) => {
  const set = await load(
    [
      {
        id: 1,
        name: 'stewards read',
        resources: { bucket, path: { values: ['data/'], isRecursive: true } },
        policyItems: [{ roles: ['data-stewards'], accesses: [{ type: 'read' }] }],
      },
    ],
    [
      { name: 'data-stewards', users: ['sam'], roles: ['eu-stewards'] },
      { name: 'eu-stewards', groups: ['eu-team'], users: [{ name: 'eve', isAdmin: false }] },
      { name: 'unrelated', users: ['zed'] },
    ],
  );
  t.equal(set.evaluate(request('sam', 'read', 'data/x')).allowed, true, 'a direct member');
  t.equal(set.evaluate(request('eve', 'read', 'data/x')).allowed, true, 'a member of a nested role');
  t.equal(set.evaluate(request('gus', 'read', 'data/x', { groups: ['eu-team'] })).allowed, true, 'through a group of a nested role');
  t.equal(set.evaluate(request('zed', 'read', 'data/x')).allowed, false, 'another role');
  t.equal(set.evaluate(request('ann', 'read', 'data/x', { roles: ['eu-stewards'] })).allowed, true, 'a role given with the request');
  t.same(set.explain(request('gus', 'read', 'data/x', { groups: ['eu-team'] })).roles, ['data-stewards', 'eu-stewards']);
});

t.test('roles file problems', async (t) => {
  const pointersOf = async (roles: object[]): Promise<string[]> => {
    const error = await load([{ id: 1, name: 'p', resources: { bucket, path: { values: ['*'] } } }], roles).catch((caught: unknown) => caught);
    return ((error as { problems?: { pointer: string }[] }).problems ?? []).map((problem) => problem.pointer).sort();
  };
  t.same(await pointersOf([{ name: 'a', roles: ['missing'] }, { name: 'a' }]), ['/roles/0/roles/0', '/roles/1/name'], 'an undefined nested role and a duplicate');
  t.ok((await pointersOf([{ name: 'b', users: [{ name: 'x', admin: true }] }])).length > 0, 'an unknown member field');
  t.same(await pointersOf([{ name: 'ok', users: ['x'], groups: [{ name: 'g', isAdmin: true }] }]), [], 'names and Ranger member objects');
});

t.test('home folders with the user macro', async (t) => {
  const set = await load([
    {
      id: 1,
      name: 'homes',
      resources: { bucket, path: { values: ['home/{USER}/'], isRecursive: true } },
      policyItems: [{ users: ['{USER}'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'list' }] }],
    },
  ]);
  t.equal(set.evaluate(request('alice', 'write', 'home/alice/notes.txt')).allowed, true);
  t.equal(set.evaluate(request('alice', 'read', 'home/bob/notes.txt')).allowed, false);
  t.equal(set.evaluate(request('alice', 'read', 'home/alice')).allowed, false, 'the folder name alone is not under it');
  t.equal(set.evaluate(request('a*', 'read', 'home/ab/x')).allowed, false, 'a user name with * is literal');
  t.equal(set.evaluate(request('a*', 'read', 'home/a*/x')).allowed, true);
  const list = (user: string, prefix: string) =>
    set.evaluate({ principal: { user, groups: [] }, accessType: 'list', resource: { kind: 'prefix', bucket: 'bkt', prefix } }).allowed;
  t.equal(list('alice', 'home/alice/'), true);
  t.equal(list('alice', 'home/'), false);
  t.equal(list('alice', 'home/alice'), false, 'would also list home/alice2/');
});

t.test('additional resources', async (t) => {
  const set = await load([
    {
      id: 1,
      name: 'two places',
      resources: { bucket, path: { values: ['a/'], isRecursive: true } },
      additionalResources: [{ bucket: { values: ['other'] }, path: { values: ['b/'], isRecursive: true } }],
      policyItems: [{ users: ['ann'], accesses: [{ type: 'read' }] }],
    },
  ]);
  const read = (bucketName: string, key: string) =>
    set.evaluate({ principal: { user: 'ann', groups: [] }, accessType: 'read', resource: { kind: 'object', bucket: bucketName, key } }).allowed;
  t.equal(read('bkt', 'a/1'), true);
  t.equal(read('other', 'b/1'), true);
  t.equal(read('bkt', 'b/1'), false, 'resource maps do not mix');
  t.equal(read('other', 'a/1'), false);
});

t.test('request conditions', async (t) => {
  const set = await load([
    {
      id: 1,
      name: 'uploads',
      resources: { bucket, path: { values: ['up/'], isRecursive: true } },
      policyItems: [
        {
          users: ['bob'],
          accesses: [{ type: 'write' }, { type: 'read' }],
          conditions: [
            { type: 'max-object-size', values: ['10485760'] },
            { type: 'content-types', values: ['image/*', 'application/pdf'] },
            { type: 'max-expires-seconds', values: ['600'] },
          ],
        },
      ],
    },
  ]);
  const write = (context: Record<string, unknown>) => set.evaluate(request('bob', 'write', 'up/i.png', { context })).allowed;
  const fine = { contentLength: 2_097_152, contentType: 'image/png', expiresInSeconds: 300 };
  t.equal(write(fine), true);
  t.equal(write({ ...fine, contentLength: 20_971_520 }), false, 'too large');
  t.equal(write({ ...fine, contentType: 'text/html' }), false, 'another content type');
  t.equal(write({ ...fine, contentType: 'Application/PDF; charset=binary' }), true, 'media types compare without parameters or case');
  t.equal(write({ ...fine, expiresInSeconds: 3600 }), false, 'too long a lifetime');
  t.equal(write({ contentType: 'image/png', expiresInSeconds: 300 }), false, 'no declared size');

  const explanation = set.explain(request('bob', 'write', 'up/i.png', { context: { ...fine, contentType: 'text/html' } }));
  const item = explanation.candidates[0]?.items[0];
  t.equal(item?.failingCondition?.type, 'content-types', 'explain names the first failing condition');
  t.equal(item?.failingCondition?.result, 'false');
});

t.test('condition values are validated', async (t) => {
  for (const [type, values] of [
    ['max-object-size', ['ten']],
    ['max-object-size', ['1', '2']],
    ['content-types', ['png']],
    ['max-expires-seconds', []],
  ] as const) {
    const error = await load([
      { id: 1, name: 'p', resources: { bucket, path: { values: ['*'] } }, policyItems: [{ users: ['u'], accesses: [{ type: 'read' }], conditions: [{ type, values }] }] },
    ]).catch((caught: unknown) => caught);
    t.ok(error instanceof Error, `${type} ${JSON.stringify(values)}`);
  }
});

t.test('explain shows wildcards that cross the separator', async (t) => {
  const set = await load([
    { id: 1, name: 'raw data', resources: { bucket, path: { values: ['data/*/raw'] } }, policyItems: [{ users: ['ann'], accesses: [{ type: 'read' }] }] },
    { id: 2, name: 'everything', resources: { bucket, path: { values: ['*'] } }, policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] },
  ]);
  const deep = set.explain(request('ann', 'read', 'data/2026/01/raw'));
  t.equal(deep.decision.allowed, true);
  t.equal(deep.candidates.find((trace) => trace.policyId === '1')?.wildcardAcrossSeparator, 'data/*/raw');
  const shallow = set.explain(request('ann', 'read', 'data/2026/raw'));
  t.equal(shallow.candidates.find((trace) => trace.policyId === '1')?.wildcardAcrossSeparator, undefined, 'one segment per wildcard');
  const star = set.explain(request('bob', 'read', 'a/b/c'));
  t.equal(star.candidates.find((trace) => trace.policyId === '2')?.wildcardAcrossSeparator, undefined, 'a lone * says everything already');
});
