import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { startTestService, type TestService } from '../fixtures/service.js';
import { ManualClock } from '../fixtures/manual-clock.js';
import { NOW, NOW_SECONDS, createTestKeys, signToken } from '../fixtures/tokens.js';

// A service whose targets read expiring credentials from real JSON files, on a manual clock:
// URLs are cut to the credentials' lifetime, and background refreshes replace them.

const MINUTE = 60_000;
const keys = await createTestKeys();
const dir = await mkdtemp(path.join(tmpdir(), 'openraz-refresh-'));
t.teardown(async () => {
  await rm(keys.dir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});
const policies = [
  {
    id: 1,
    name: 'all',
    resources: { bucket: { values: ['*'] }, path: { values: ['*'] } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }],
  },
];
// The leak scan looks for this secret in every output of the suite (test/fixtures/leak-scan.ts).
const secret = 'test-secret-key-never-in-output';

async function writeKeys(file: string, accessKeyId: string, expiration: Date): Promise<void> {
  await writeFile(
    file,
    JSON.stringify({
      Version: 1,
      AccessKeyId: accessKeyId,
      SecretAccessKey: secret,
      SessionToken: `token-${accessKeyId}`,
      Expiration: expiration.toISOString(),
    }),
  );
}

function target(name: string, buckets: string[], file: string): Record<string, unknown> {
  return { name, buckets, endpoint: `http://${name}.store.test:9000`, forcePathStyle: true, credentials: { source: 'static', file } };
}

async function startService(clock: ManualClock, targets: Record<string, unknown>[]): Promise<TestService> {
  const service = await startTestService({
    keys,
    policies,
    credentials: 'configured',
    config: { s3: { targets }, signing: { maxExpiresSeconds: 3600 } },
    now: () => clock.date(),
    clock,
    retry: { initialDelayMs: 1000, maxDelayMs: 4000 },
  });
  t.teardown(() => service.close());
  return service;
}

async function sign(service: TestService, clock: ManualClock, bucket: string, expiresInSeconds = 3600) {
  const token = await signToken(keys, { sub: 'bob' }, {}, clock.date());
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { operation: 'GetObject', bucket, key: 'k', expiresInSeconds },
  });
  return { status: response.statusCode, body: response.json() as { url?: string; expiresAt?: string; code?: string; message?: string } };
}

function param(url: string | undefined, name: string): string | undefined {
  return new URL(url ?? 'http://x/').searchParams.get(name) ?? undefined;
}

t.test('URL lifetime ends with its credentials', async (t) => {
  const clock = new ManualClock(NOW);
  const file = path.join(dir, 'cut.json');
  await writeKeys(file, 'ASIAFIRST', new Date(NOW.getTime() + 20 * MINUTE));
  const service = await startService(clock, [target('ceph', ['*'], file)]);

  const { status, body } = await sign(service, clock, 'bkt');
  t.equal(status, 200);
  t.equal(param(body.url, 'X-Amz-Expires'), '1140', '20 minutes less the 60 s margin, not the 3600 s asked for');
  t.equal(body.expiresAt, new Date((NOW_SECONDS + 1140) * 1000).toISOString(), 'the real expiry is reported');
  t.equal(param(body.url, 'X-Amz-Security-Token'), 'token-ASIAFIRST');
  const audit = (await service.auditLines()).at(-1);
  t.equal(audit?.expiresAt, body.expiresAt, 'the audit line has the real expiry');
});

t.test('background refresh replaces credentials', async (t) => {
  const clock = new ManualClock(NOW);
  const file = path.join(dir, 'rotate.json');
  await writeKeys(file, 'ASIAFIRST', new Date(NOW.getTime() + 20 * MINUTE));
  const service = await startService(clock, [target('ceph', ['*'], file)]);
  await writeKeys(file, 'ASIASECOND', new Date(NOW.getTime() + 135 * MINUTE));

  await clock.advance(15 * MINUTE - 1000);
  const before = await sign(service, clock, 'bkt');
  t.match(param(before.body.url, 'X-Amz-Credential'), /^ASIAFIRST\//, 'no refresh before a quarter of the lifetime remains');
  t.equal(param(before.body.url, 'X-Amz-Expires'), String(5 * 60 + 1 - 60));

  await clock.advance(1000);
  const after = await sign(service, clock, 'bkt');
  t.equal(after.status, 200);
  t.match(param(after.body.url, 'X-Amz-Credential'), /^ASIASECOND\//, 'the refreshed credentials sign');
  t.equal(param(after.body.url, 'X-Amz-Security-Token'), 'token-ASIASECOND');
  t.equal(param(after.body.url, 'X-Amz-Expires'), '3600', 'the full lifetime again');

  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  t.same(ready.json().credentials.targets, [
    { name: 'ceph', source: 'static', valid: true, expiresAt: new Date(NOW.getTime() + 135 * MINUTE).toISOString() },
  ]);
  const metrics = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /openraz_credential_refreshes_total\{target="ceph",result="loaded"\} 2/);
  t.match(metrics, new RegExp(`openraz_credentials_expiry_timestamp_seconds\\{target="ceph"\\} ${NOW_SECONDS + 135 * 60}\\b`));
  t.match(service.logText(), /"target":"ceph".*"storage credentials loaded"/);
});

t.test('failed refresh keeps old credentials until expiry', async (t) => {
  const clock = new ManualClock(NOW);
  const cephFile = path.join(dir, 'failing.json');
  const awsFile = path.join(dir, 'steady.json');
  await writeKeys(cephFile, 'ASIACEPH', new Date(NOW.getTime() + 20 * MINUTE));
  await writeKeys(awsFile, 'ASIAAWS', new Date(NOW.getTime() + 600 * MINUTE));
  const service = await startService(clock, [target('ceph', ['team-*'], cephFile), target('aws', ['*'], awsFile)]);

  // A broken rewrite: the secret in it must not reach the log through a parse error.
  await writeFile(cephFile, `{"AccessKeyId": "ASIANEXT", "SecretAccessKey": "${secret}"`);
  await clock.advance(15 * MINUTE);
  const log = service.logText();
  t.match(
    log,
    /"level":40.*"target":"ceph".*"attempt":1.*"error":\{"name":"Error","message":"[^"]*failing\.json is not valid JSON"\}.*storage credential refresh failed; the current credentials keep serving until they expire/,
  );

  const during = await sign(service, clock, 'team-a');
  t.equal(during.status, 200, 'the old credentials keep serving');
  t.match(param(during.body.url, 'X-Amz-Credential'), /^ASIACEPH\//);
  t.equal(param(during.body.url, 'X-Amz-Expires'), '240', 'cut to what the old credentials have left');

  await clock.advance(5 * MINUTE - 60_000);
  const expired = await sign(service, clock, 'team-a');
  t.equal(expired.status, 503, 'expired credentials sign nothing');
  t.equal(expired.body.code, 'ERR_SERVICE_NOT_READY');
  t.match(expired.body.message, /Storage target "ceph" has no valid credentials/);
  t.equal((await sign(service, clock, 'reports')).status, 200, 'the other target still signs');

  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.equal(ready.json().status, 'not ready');
  t.same(
    ready.json().credentials,
    {
      loaded: false,
      targets: [
        { name: 'ceph', source: 'static', valid: false, expiresAt: new Date(NOW.getTime() + 20 * MINUTE).toISOString() },
        { name: 'aws', source: 'static', valid: true, expiresAt: new Date(NOW.getTime() + 600 * MINUTE).toISOString() },
      ],
    },
    'readiness names the target without valid credentials',
  );
  await clock.advance(4000);
  t.match(
    service.logText(),
    /"level":50.*"target":"ceph".*storage credentials could not be loaded; this target signs nothing until a retry succeeds/,
    'a failure after expiry is an error',
  );

  await writeKeys(cephFile, 'ASIAFIXED', new Date(clock.now() + 60 * MINUTE));
  await clock.advance(4000);
  const fixed = await sign(service, clock, 'team-a');
  t.equal(fixed.status, 200, 'a retry recovers the target');
  t.match(param(fixed.body.url, 'X-Amz-Credential'), /^ASIAFIXED\//);
  t.equal((await service.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  t.match(
    (await service.app.inject({ method: 'GET', url: '/metrics' })).body,
    /openraz_credential_refreshes_total\{target="ceph",result="failed"\} [1-9]/,
  );
});

t.test('close stops the refresh timers', async (t) => {
  const clock = new ManualClock(NOW);
  const file = path.join(dir, 'close.json');
  await writeKeys(file, 'ASIACLOSE', new Date(NOW.getTime() + 20 * MINUTE));
  const service = await startService(clock, [target('ceph', ['*'], file)]);
  t.equal(clock.pending().length, 1);
  await service.close();
  t.same(clock.pending(), [], 'no timer left');
});
