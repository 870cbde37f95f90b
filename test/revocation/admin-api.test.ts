// The /v1/admin/revocations routes on a real service with a revocation file and in-memory
// API blocks: the admin scope, add, list, remove, the audit lines of changes, and errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createTestKeys, signToken } from '../fixtures/tokens.js';
import { startTestService } from '../fixtures/service.js';

const keys = await createTestKeys();
const dir = await mkdtemp(path.join(tmpdir(), 'openraz-revocations-'));
t.teardown(async () => {
  await rm(keys.dir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

const policies = [
  {
    id: 1,
    name: 'staff read bkt',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } },
    policyItems: [{ groups: ['staff'], accesses: [{ type: 'read' }, { type: 'list' }] }],
  },
];
const revocationFile = path.join(dir, 'revocations.json');
await writeFile(revocationFile, JSON.stringify({ blocks: [{ kind: 'group', value: 'contractors', reason: 'contract ended' }] }));

const service = await startTestService({ keys, policies, config: { revocation: { file: revocationFile } } });
t.teardown(() => service.close());

const admin = await signToken(keys, { sub: 'root', groups: ['ops'], scope: 'openid openraz:admin', jti: 'admin-jti' });
const scpAdmin = await signToken(keys, { sub: 'root2', scp: ['openraz:admin'] });
const bob = await signToken(keys, { sub: 'bob', groups: ['staff'], scope: 'openid' });

async function call(method: 'GET' | 'POST' | 'DELETE', url: string, token: string | undefined, body?: object) {
  return service.app.inject({
    method,
    url,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { payload: body }),
  });
}

async function signAsBob() {
  return call('POST', '/v1/sign', bob, { operation: 'GetObject', bucket: 'bkt', key: 'a.csv' });
}

t.test('admin scope required', async (t) => {
  const requests = [
    ['GET', '/v1/admin/revocations', undefined],
    ['POST', '/v1/admin/revocations', { kind: 'user', value: 'bob' }],
    ['DELETE', '/v1/admin/revocations/some-id', undefined],
  ] as const;
  for (const [method, url, body] of requests) {
    const anonymous = await call(method, url, undefined, body);
    t.equal(anonymous.statusCode, 401, `${method} without a token`);
    t.equal(anonymous.json().code, 'ERR_AUTH_TOKEN_MISSING');

    const plain = await call(method, url, bob, body);
    t.equal(plain.statusCode, 403, `${method} without the scope`);
    t.equal(plain.json().code, 'ERR_AUTH_ADMIN_SCOPE_REQUIRED');
  }
  t.equal((await signAsBob()).statusCode, 200, 'nothing was blocked by the rejected requests');
  t.equal((await call('GET', '/v1/admin/revocations', scpAdmin)).statusCode, 200, 'the scope may come in "scp"');
});

t.test('add, list and remove', async (t) => {
  t.equal((await signAsBob()).statusCode, 200, 'bob signs before the block');

  const added = await call('POST', '/v1/admin/revocations', admin, { kind: 'user', value: 'bob', reason: 'left the company', expiresAt: '2026-02-01T00:00:00+01:00' });
  t.equal(added.statusCode, 201);
  const block = added.json();
  t.match(block, { kind: 'user', value: 'bob', reason: 'left the company', expiresAt: '2026-01-31T23:00:00.000Z', source: 'api', createdBy: 'root', createdAt: '2026-01-02T10:00:00.000Z' });
  t.match(block.id, /^[0-9a-f-]{36}$/);

  const denied = await signAsBob();
  t.equal(denied.statusCode, 403, 'the block applies at once');
  t.equal(denied.json().code, 'ERR_ACCESS_DENIED');

  const listed = await call('GET', '/v1/admin/revocations', admin);
  t.equal(listed.statusCode, 200);
  const revocations = listed.json().revocations as { id: string; source: string; kind: string }[];
  t.same(
    revocations.map(({ source, kind }) => `${source} ${kind}`),
    ['file group', 'api user'],
    'the file blocks first, then the API blocks',
  );
  t.same(revocations[1], block);

  const removed = await call('DELETE', `/v1/admin/revocations/${block.id}`, admin);
  t.equal(removed.statusCode, 200);
  t.same(removed.json(), block, 'returns the removed block');
  t.equal((await signAsBob()).statusCode, 200, 'bob signs again');
  t.equal((await call('GET', '/v1/admin/revocations', admin)).json().revocations.length, 1);

  const again = await call('DELETE', `/v1/admin/revocations/${block.id}`, admin);
  t.equal(again.statusCode, 404, 'a second removal');
  t.equal(again.json().code, 'ERR_REVOCATION_NOT_FOUND');
});

t.test('prefix block through the API', async (t) => {
  const added = await call('POST', '/v1/admin/revocations', admin, { kind: 'prefix', bucket: 'bkt', prefix: '' });
  t.equal(added.statusCode, 201);
  t.equal((await signAsBob()).statusCode, 403, 'an empty prefix blocks the whole bucket');
  t.equal((await call('DELETE', `/v1/admin/revocations/${added.json().id}`, admin)).statusCode, 200);
  t.equal((await signAsBob()).statusCode, 200);
});

t.test('file blocks cannot be removed', async (t) => {
  const fileBlock = (await call('GET', '/v1/admin/revocations', admin)).json().revocations[0];
  t.equal(fileBlock.source, 'file');
  const response = await call('DELETE', `/v1/admin/revocations/${fileBlock.id}`, admin);
  t.equal(response.statusCode, 409);
  t.equal(response.json().code, 'ERR_REVOCATION_FROM_FILE');
  t.match(response.json().message, /revocation\.file/);
  t.equal((await call('GET', '/v1/admin/revocations', admin)).json().revocations.length, 1, 'the block stays');
});

t.test('invalid blocks rejected', async (t) => {
  const cases = [
    { body: { kind: 'role', value: 'x' }, field: 'kind' },
    { body: { kind: 'user' }, field: 'value' },
    { body: { kind: 'user', value: '' }, field: 'value' },
    { body: { kind: 'prefix', bucket: 'bkt' }, field: 'prefix' },
    { body: { kind: 'prefix', value: 'bkt/x', bucket: 'bkt', prefix: 'x' }, field: 'value' },
    { body: { kind: 'token', value: 't', bucket: 'bkt' }, field: 'bucket' },
    { body: { kind: 'prefix', bucket: 'Not_A_Bucket', prefix: 'x' }, field: 'bucket' },
    { body: { kind: 'user', value: 'bob', expiresAt: 'next week' }, field: 'expiresAt' },
    { body: { kind: 'user', value: 'bob', expiresAt: '2026-01-02T10:00:00Z' }, field: 'expiresAt' },
    { body: { kind: 'user', value: 'bob', reason: 'x'.repeat(501) }, field: 'reason' },
    { body: { kind: 'user', value: 'bob', id: 'chosen' }, field: 'id' },
  ];
  for (const { body, field } of cases) {
    const response = await call('POST', '/v1/admin/revocations', admin, body);
    t.equal(response.statusCode, 400, `${JSON.stringify(body).slice(0, 80)}: status`);
    t.equal(response.json().code, 'ERR_REQUEST_INVALID', `${field}: code`);
    t.equal(response.json().field, field, `${field}: field`);
  }
  t.equal((await call('GET', '/v1/admin/revocations', admin)).json().revocations.length, 1, 'nothing was added');
});

t.test('changes are audited', async (t) => {
  const added = (await call('POST', '/v1/admin/revocations', admin, { kind: 'token', value: 'jti-9', reason: 'leaked' })).json();
  await call('DELETE', `/v1/admin/revocations/${added.id}`, admin);

  const lines = (await service.auditLines()).filter((line) => String(line.kind).startsWith('revocation-'));
  const [addLine, removeLine] = lines.slice(-2);
  t.match(addLine, {
    kind: 'revocation-add',
    user: 'root',
    groups: ['ops'],
    tokenId: 'admin-jti',
    revocation: { id: added.id, kind: 'token', value: 'jti-9', reason: 'leaked' },
  });
  t.type(addLine?.requestId, 'string');
  t.type(addLine?.clientIp, 'string');
  t.match(removeLine, { kind: 'revocation-remove', user: 'root', revocation: { id: added.id, kind: 'token', value: 'jti-9' } });
  t.notOk(JSON.stringify(lines).includes(admin), 'no token in the audit lines');
  t.match(service.logText(), /"admin":"root".*"revocation added"/, 'and logged with the admin user');
});

t.test('blocked admin cannot lift its block', async (t) => {
  const stolen = await signToken(keys, { sub: 'root', scope: 'openraz:admin', jti: 'stolen-jti' });
  const block = (await call('POST', '/v1/admin/revocations', admin, { kind: 'token', value: 'stolen-jti' })).json();

  const removal = await call('DELETE', `/v1/admin/revocations/${block.id}`, stolen);
  t.equal(removal.statusCode, 403);
  t.equal(removal.json().code, 'ERR_ACCESS_DENIED');
  t.equal((await call('GET', '/v1/admin/revocations', stolen)).statusCode, 403, 'nor list');

  const contractor = await signToken(keys, { sub: 'carol', groups: ['contractors'], scope: 'openraz:admin' });
  t.equal((await call('GET', '/v1/admin/revocations', contractor)).statusCode, 403, 'a file block on a group applies too');

  t.equal((await call('DELETE', `/v1/admin/revocations/${block.id}`, admin)).statusCode, 200, 'another admin can');
});
