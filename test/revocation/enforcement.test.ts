// Blocks on a real service: /v1/sign denies and audits them, /v1/authorize explains them,
// and an expired block stops applying on the service's (pinned) clock.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { NOW, createTestKeys, signToken } from '../fixtures/tokens.js';
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
    name: 'staff use bkt',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } },
    policyItems: [{ groups: ['staff'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'list' }] }],
  },
];

const revocationFile = path.join(dir, 'revocations.json');
await writeFile(
  revocationFile,
  JSON.stringify({
    blocks: [
      { kind: 'user', value: 'mallory', reason: 'laptop stolen' },
      { kind: 'group', value: 'contractors', reason: 'contract ended' },
      { kind: 'token', value: 'jti-leaked', reason: 'token posted in a chat', expiresAt: '2026-01-02T10:05:00Z' },
      { kind: 'prefix', bucket: 'bkt', prefix: 'hr/', reason: 'legal hold' },
    ],
  }),
);

let clock = NOW;
const service = await startTestService({ keys, policies, now: () => clock, config: { revocation: { file: revocationFile } } });
t.teardown(() => service.close());
t.afterEach(async () => {
  clock = NOW;
});

const admin = await signToken(keys, { sub: 'root', groups: ['staff'], scope: 'openraz:admin' });

async function sign(token: string, body: object) {
  return service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${token}` }, payload: body });
}

async function lastAudit(): Promise<Record<string, unknown>> {
  const lines = await service.auditLines();
  return lines[lines.length - 1]!;
}

t.test('blocked callers are denied', async (t) => {
  const cases = [
    { name: 'user', token: await signToken(keys, { sub: 'mallory', groups: ['staff'] }), reason: /^revoked: user "mallory" is blocked \(file block file-[0-9a-f]{16}\): laptop stolen$/ },
    { name: 'group', token: await signToken(keys, { sub: 'carl', groups: ['staff', 'contractors'] }), reason: /^revoked: group "contractors" is blocked .*: contract ended$/ },
    { name: 'token', token: await signToken(keys, { sub: 'ann', groups: ['staff'], jti: 'jti-leaked' }), reason: /^revoked: token id "jti-leaked" is blocked .*: token posted in a chat$/ },
  ];
  for (const { name, token, reason } of cases) {
    const response = await sign(token, { operation: 'GetObject', bucket: 'bkt', key: 'data/a.csv' });
    t.equal(response.statusCode, 403, `${name}: status`);
    t.equal(response.json().code, 'ERR_ACCESS_DENIED', `${name}: code`);
    t.notOk(response.body.includes('X-Amz-Signature'), `${name}: no URL`);
    t.notOk(response.body.includes('revoked'), `${name}: the caller does not learn the reason`);

    const line = await lastAudit();
    t.equal(line.decision, 'deny', `${name}: audited as a denial`);
    t.equal(line.decisionId, response.json().decisionId, `${name}: the audit line is the response's decision`);
    t.match(line.reason, reason, `${name}: the audit reason names the block`);
    t.notOk(JSON.stringify(line).includes(token), `${name}: the audit line never holds the token`);
  }

  const other = await sign(await signToken(keys, { sub: 'ann', groups: ['staff'], jti: 'jti-fine' }), { operation: 'GetObject', bucket: 'bkt', key: 'data/a.csv' });
  t.equal(other.statusCode, 200, 'another token of the same group is allowed');
});

t.test('blocked prefix is denied', async (t) => {
  const ann = await signToken(keys, { sub: 'ann', groups: ['staff'] });
  const cases = [
    { name: 'read under it', body: { operation: 'GetObject', bucket: 'bkt', key: 'hr/salaries.csv' }, status: 403 },
    { name: 'upload under it', body: { operation: 'PutObject', bucket: 'bkt', key: 'hr/new.csv' }, status: 403 },
    { name: 'list inside it', body: { operation: 'ListObjectsV2', bucket: 'bkt', prefix: 'hr/2026/' }, status: 403 },
    { name: 'list of the whole bucket', body: { operation: 'ListObjectsV2', bucket: 'bkt', prefix: '' }, status: 403 },
    { name: 'read beside it', body: { operation: 'GetObject', bucket: 'bkt', key: 'hr-public/x' }, status: 200 },
    { name: 'list beside it', body: { operation: 'ListObjectsV2', bucket: 'bkt', prefix: 'data/' }, status: 200 },
  ];
  for (const { name, body, status } of cases) {
    const response = await sign(ann, body);
    t.equal(response.statusCode, status, name);
    if (status === 403) t.match((await lastAudit()).reason, /^revoked: prefix s3:\/\/bkt\/hr\/ is blocked .*: legal hold$/, `${name}: audit reason`);
  }
});

t.test('authorize explains a block', async (t) => {
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/authorize',
    headers: { authorization: `Bearer ${admin}` },
    payload: { bucket: 'bkt', key: 'data/a.csv', accessTypes: ['read'], as: { user: 'mallory', groups: ['staff'] } },
  });
  t.equal(response.statusCode, 200);
  const [decision] = response.json().decisions;
  t.match(decision.decision, { allowed: false, rule: 'revoked', reason: /^revoked: user "mallory" is blocked/ });
  t.equal(decision.candidates[0]?.outcome, 'allow', 'the trace still shows what the policies decide');
  t.match((await lastAudit()).reason, /^revoked: user "mallory"/, 'the authorize decision is audited with the block');

  const mallory = await signToken(keys, { sub: 'mallory', groups: ['staff'] });
  const own = await service.app.inject({ method: 'POST', url: '/v1/authorize', headers: { authorization: `Bearer ${mallory}` }, payload: { bucket: 'bkt', key: 'data/a.csv', accessTypes: ['read'] } });
  t.same(own.json().decisions[0].decision, { allowed: false, rule: 'revoked', reason: 'denied' }, 'a blocked caller learns the rule, not the reason');
});

t.test('blocked admin cannot decide for others', async (t) => {
  const blockedAdmin = await signToken(keys, { sub: 'root', groups: ['staff'], scope: 'openraz:admin', jti: 'jti-leaked' });
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/authorize',
    headers: { authorization: `Bearer ${blockedAdmin}` },
    payload: { bucket: 'bkt', key: 'data/a.csv', accessTypes: ['read'], as: { user: 'ann', groups: ['staff'] } },
  });
  t.equal(response.statusCode, 403);
  t.equal(response.json().code, 'ERR_ACCESS_DENIED');
});

t.test('block expires on the clock', async (t) => {
  // The clock moves, so the token is signed for the instant of each request.
  const at = (iso: string) => new Date(iso);
  const body = { operation: 'GetObject', bucket: 'bkt', key: 'data/a.csv' };

  clock = at('2026-01-02T10:04:59.999Z');
  t.equal((await sign(await signToken(keys, { sub: 'ann', groups: ['staff'], jti: 'jti-leaked' }, {}, clock), body)).statusCode, 403, 'before expiresAt');

  clock = at('2026-01-02T10:05:00.000Z');
  t.equal((await sign(await signToken(keys, { sub: 'ann', groups: ['staff'], jti: 'jti-leaked' }, {}, clock), body)).statusCode, 200, 'at expiresAt');

  const list = await service.app.inject({ method: 'GET', url: '/v1/admin/revocations', headers: { authorization: `Bearer ${await signToken(keys, { sub: 'root', scope: 'openraz:admin' }, {}, clock)}` } });
  t.notOk(
    list.json().revocations.some((block: { kind: string }) => block.kind === 'token'),
    'an expired block is no longer listed',
  );
});

t.test('API block expires on the clock', async (t) => {
  const added = await service.app.inject({
    method: 'POST',
    url: '/v1/admin/revocations',
    headers: { authorization: `Bearer ${admin}` },
    payload: { kind: 'user', value: 'ann', expiresAt: '2026-01-02T10:01:00Z' },
  });
  t.equal(added.statusCode, 201, 'added', { body: added.body });
  const body = { operation: 'GetObject', bucket: 'bkt', key: 'data/a.csv' };
  t.equal((await sign(await signToken(keys, { sub: 'ann', groups: ['staff'] }), body)).statusCode, 403, 'while it applies');

  clock = new Date('2026-01-02T10:01:00Z');
  t.equal((await sign(await signToken(keys, { sub: 'ann', groups: ['staff'] }, {}, clock), body)).statusCode, 200, 'after it expired');
});
