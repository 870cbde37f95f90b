import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createAuditLog, type AuditRecord } from '../../src/audit/index.js';

const record: AuditRecord = {
  kind: 'sign',
  decisionId: 'd-1',
  requestId: 'r-1',
  user: 'bob',
  groups: ['analysts'],
  operation: 'GetObject',
  accessType: 'read',
  bucket: 'bkt',
  key: 'a/b',
  decision: 'allow',
  policyId: '1',
  reason: 'allowed by policy 1',
  expiresAt: '2026-01-02T10:05:00.000Z',
  clientIp: '127.0.0.1',
  policyVersion: 'abc',
};

t.test('flush makes lines readable at once', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-audit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'nested', 'audit.log');
  const audit = createAuditLog(file);

  for (let round = 1; round <= 20; round++) {
    audit.write({ ...record, decisionId: `d-${round}` });
    await audit.flush();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    t.equal(lines.length, round, `round ${round}`);
  }
  await audit.close();

  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.equal(lines[0]?.decisionId, 'd-1');
  t.equal(lines[19]?.decisionId, 'd-20');
  t.match(lines[0]?.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  t.equal(lines[0]?.user, 'bob');
});

t.test('a reopened log appends', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-audit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'audit.log');
  for (const id of ['first', 'second']) {
    const audit = createAuditLog(file);
    audit.write({ ...record, decisionId: id });
    await audit.close();
  }
  const ids = (await readFile(file, 'utf8')).trimEnd().split('\n').map((line) => (JSON.parse(line) as { decisionId: string }).decisionId);
  t.same(ids, ['first', 'second']);
});

t.test('a failing destination is reported', async (t) => {
  // Writes to /dev/full fail with ENOSPC, like a full disk.
  const audit = createAuditLog('/dev/full');
  await t.rejects(audit.write(record), { code: 'ENOSPC' });
  t.equal(audit.healthy(), false);
  await t.rejects(audit.write(record), 'later writes fail at once');
  await audit.close();
});
