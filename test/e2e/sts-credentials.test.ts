import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import {
  createBucket,
  gatewayAccessKey,
  gatewayEndpoint,
  gatewayRoleArn,
  gatewaySecretKey,
  getSessionToken,
  s3ErrorCode,
  startGateway,
  stsGatewayEndpoint,
} from '../fixtures/gateway.js';
import { ManualClock } from '../fixtures/manual-clock.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// Temporary credentials from the gateway's real STS (GetSessionToken and AssumeRole) sign
// URLs that the gateway started with `rgw s3 auth use sts = true` accepts, and rejects once
// the session token is removed or altered. The AWS SDK's default chain is exercised with
// environment variables and a shared credentials file; instance metadata is switched off.

const bucket = 'targets-sts-e2e';
await startGateway();
await createBucket(bucket);

const keys = await createTestKeys();
const dir = await mkdtemp(path.join(tmpdir(), 'openraz-sts-'));
t.teardown(async () => {
  await rm(keys.dir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});
const policies = [
  {
    id: 1,
    name: 'alice uses the bucket',
    resources: { bucket: { values: [bucket] }, path: { values: ['*'] } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }, { type: 'write' }] }],
  },
];

// The default chain must not reach the EC2 metadata service or read this machine's ~/.aws files.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_CONFIG_FILE = path.join(dir, 'no-config');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'no-credentials');
for (const name of [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
]) {
  delete process.env[name];
}
// Long-term gateway keys for sources that name environment variables.
process.env.TARGETS_GATEWAY_KEY_ID = gatewayAccessKey;
process.env.TARGETS_GATEWAY_SECRET = gatewaySecretKey;

async function startWith(credentials: Record<string, unknown>, options: { clock?: ManualClock; endpoint?: string } = {}): Promise<TestService> {
  const target = { name: 'ceph-sts', buckets: [bucket], endpoint: options.endpoint ?? stsGatewayEndpoint, forcePathStyle: true, credentials };
  const service = await startTestService({
    keys,
    policies,
    credentials: 'configured',
    config: { s3: { targets: [target] } },
    now: () => new Date(),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  t.teardown(() => service.close());
  return service;
}

async function presign(service: TestService, operation: 'GetObject' | 'PutObject', key: string) {
  const token = await signToken(keys, { sub: 'alice' }, {}, new Date());
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { operation, bucket, key },
  });
  return { status: response.statusCode, body: response.json() as { url: string; code?: string; message?: string } };
}

function tokenOf(url: string): string | undefined {
  return new URL(url).searchParams.get('X-Amz-Security-Token') ?? undefined;
}

/** Uploads and downloads one object through openraz's URLs, and returns the GET URL. */
async function roundTrip(t: Test, service: TestService, key: string): Promise<string> {
  const put = await presign(service, 'PutObject', key);
  t.equal(put.status, 200, 'PutObject is signed');
  const uploaded = await sendRaw('PUT', put.body.url, `content of ${key}`);
  t.equal(uploaded.status, 200, `PUT accepted: ${s3ErrorCode(uploaded.body) ?? 'ok'}`);
  const get = await presign(service, 'GetObject', key);
  const downloaded = await sendRaw('GET', get.body.url);
  t.equal(downloaded.status, 200, `GET accepted: ${s3ErrorCode(downloaded.body) ?? 'ok'}`);
  t.equal(downloaded.body.toString(), `content of ${key}`);
  return get.body.url;
}

/** Checks that the gateway rejects the URL without its session token, and with one character of the token changed. */
async function checkTokenIsRequired(t: Test, url: string): Promise<void> {
  const token = tokenOf(url);
  t.ok(token !== undefined && token.length > 20, 'the URL carries the session token');
  const withoutToken = url.replace(/&X-Amz-Security-Token=[^&]*/, '');
  t.not(withoutToken, url);
  const missing = await sendRaw('GET', withoutToken);
  t.equal(missing.status, 403, `without the token: ${s3ErrorCode(missing.body)}`);

  const raw = /X-Amz-Security-Token=([^&]*)/.exec(url)![1]!;
  const altered = url.replace(raw, `${raw.slice(0, 10)}${raw[10] === 'A' ? 'B' : 'A'}${raw.slice(11)}`);
  t.not(altered, url);
  const changed = await sendRaw('GET', altered);
  // radosgw 16.2 returns 400 InvalidArgument for a token it cannot decrypt.
  t.ok(changed.status === 400 || changed.status === 403, `with an altered token: HTTP ${changed.status} ${s3ErrorCode(changed.body)}`);
}

t.test('GetSessionToken credentials sign working URLs', async (t) => {
  const session = await getSessionToken(900);
  t.match(session.accessKeyId, /^\S{16,}$/);
  process.env.TARGETS_SESSION_KEY_ID = session.accessKeyId;
  process.env.TARGETS_SESSION_SECRET = session.secretAccessKey;
  process.env.TARGETS_SESSION_TOKEN = session.sessionToken;
  const service = await startWith({
    source: 'static',
    accessKeyIdEnv: 'TARGETS_SESSION_KEY_ID',
    secretAccessKeyEnv: 'TARGETS_SESSION_SECRET',
    sessionTokenEnv: 'TARGETS_SESSION_TOKEN',
  });

  const url = await roundTrip(t, service, 'session/a.txt');
  t.equal(tokenOf(url), session.sessionToken, 'the token is the one STS issued');
  t.match(url, new RegExp(`X-Amz-Credential=${encodeURIComponent(session.accessKeyId)}%2F`));
  await checkTokenIsRequired(t, url);
});

t.test('default chain reads environment variables', async (t) => {
  const session = await getSessionToken(900);
  process.env.AWS_ACCESS_KEY_ID = session.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = session.secretAccessKey;
  process.env.AWS_SESSION_TOKEN = session.sessionToken;
  t.teardown(() => {
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_SESSION_TOKEN;
  });
  const service = await startWith({ source: 'default-chain' });
  const url = await roundTrip(t, service, 'chain/env.txt');
  t.equal(tokenOf(url), session.sessionToken);
  await checkTokenIsRequired(t, url);
  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  t.same(ready.json().credentials.targets, [{ name: 'ceph-sts', source: 'default-chain', valid: true }]);
});

t.test('default chain reads a shared credentials file', async (t) => {
  const file = path.join(dir, 'credentials');
  await writeFile(
    file,
    [
      '[default]',
      'aws_access_key_id = OPENRAZWRONGKEY00000',
      'aws_secret_access_key = wrong',
      '',
      '[openraz-e2e]',
      `aws_access_key_id = ${gatewayAccessKey}`,
      `aws_secret_access_key = ${gatewaySecretKey}`,
      '',
    ].join('\n'),
  );
  process.env.AWS_SHARED_CREDENTIALS_FILE = file;
  process.env.AWS_PROFILE = 'openraz-e2e';
  t.teardown(() => {
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'no-credentials');
    delete process.env.AWS_PROFILE;
  });
  const service = await startWith({ source: 'default-chain' }, { endpoint: gatewayEndpoint });
  const url = await roundTrip(t, service, 'chain/file.txt');
  t.match(url, new RegExp(`X-Amz-Credential=${gatewayAccessKey}%2F`), 'the profile named by AWS_PROFILE');
  t.equal(tokenOf(url), undefined, 'long-term keys carry no token');

  const named = await startWith({ source: 'default-chain', profile: 'default' }, { endpoint: gatewayEndpoint });
  const denied = await sendRaw('GET', (await presign(named, 'GetObject', 'chain/file.txt')).body.url);
  t.equal(denied.status, 403, 'the configured profile wins over AWS_PROFILE');
});

t.test('assume-role credentials sign and refresh', async (t) => {
  const clock = new ManualClock(new Date());
  const service = await startWith(
    {
      source: 'assume-role',
      roleArn: gatewayRoleArn,
      roleSessionName: 'openraz-e2e',
      durationSeconds: 900,
      stsEndpoint: stsGatewayEndpoint,
      sourceCredentials: { source: 'static', accessKeyIdEnv: 'TARGETS_GATEWAY_KEY_ID', secretAccessKeyEnv: 'TARGETS_GATEWAY_SECRET' },
    },
    { clock },
  );
  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200, 'the role was assumed at startup');
  const [status] = ready.json().credentials.targets as { source: string; expiresAt: string }[];
  t.equal(status?.source, 'assume-role');
  const lifetime = new Date(status!.expiresAt).getTime() - Date.now();
  t.ok(lifetime > 840_000 && lifetime <= 900_000, `the session lasts the 900 s asked for (${Math.round(lifetime / 1000)} s left)`);

  const url = await roundTrip(t, service, 'role/a.txt');
  const firstKey = new URL(url).searchParams.get('X-Amz-Credential')!.split('/')[0];
  t.not(firstKey, gatewayAccessKey, 'signed with the role session, not the source keys');
  await checkTokenIsRequired(t, url);

  // 900 s sessions are refreshed 300 s before expiry (the default margin).
  const [refreshAt] = clock.pending();
  t.ok(
    refreshAt !== undefined && Math.abs(refreshAt - (new Date(status!.expiresAt).getTime() - 300_000)) < 1000,
    'the refresh is due 300 s before expiry',
  );
  await clock.advance(refreshAt! - clock.now());
  const refreshedUrl = await roundTrip(t, service, 'role/b.txt');
  const secondKey = new URL(refreshedUrl).searchParams.get('X-Amz-Credential')!.split('/')[0];
  t.not(secondKey, firstKey, 'a new role session signs after the refresh');
  t.not(tokenOf(refreshedUrl), tokenOf(url));
  t.match(
    (await service.app.inject({ method: 'GET', url: '/metrics' })).body,
    /openraz_credential_refreshes_total\{target="ceph-sts",result="loaded"\} 2/,
  );
});

t.test('failed AssumeRole leaves the target not ready', async (t) => {
  const clock = new ManualClock(new Date());
  const service = await startWith(
    {
      source: 'assume-role',
      roleArn: 'arn:aws:iam:::role/openraz-no-such-role',
      stsEndpoint: stsGatewayEndpoint,
      sourceCredentials: { source: 'static', accessKeyIdEnv: 'TARGETS_GATEWAY_KEY_ID', secretAccessKeyEnv: 'TARGETS_GATEWAY_SECRET' },
    },
    { clock },
  );
  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.same(ready.json().credentials.targets, [{ name: 'ceph-sts', source: 'assume-role', valid: false }]);
  const signed = await presign(service, 'GetObject', 'role/a.txt');
  t.equal(signed.status, 503);
  t.equal(signed.body.code, 'ERR_SERVICE_NOT_READY');
  t.match(
    service.logText(),
    /"level":50.*"target":"ceph-sts","source":"assume-role","attempt":1,"retryInMs":\d+,"error":\{"name":"[A-Za-z]+","message":"[^"]*"\}.*storage credentials could not be loaded/,
  );
  t.notMatch(service.logText(), gatewaySecretKey);
  t.equal(clock.pending().length, 1, 'a retry is scheduled');
});
