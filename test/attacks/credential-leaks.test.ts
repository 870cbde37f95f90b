import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createBucket, gatewayAccessKey, gatewayRoleArn, gatewaySecretKey, startGateway, stsGatewayEndpoint } from '../fixtures/gateway.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// Storage credentials, and the session tokens of temporary ones, must never reach the
// diagnostic log, the audit log, an error body, /readyz or /metrics. A caller drives every
// path it can reach, errors included, against targets whose credentials come from the
// gateway's real STS (AssumeRole) and from environment variables.
const bucket = 'redteam2-leaks';
const wrongSecret = 'redteam2-wrong-secret-0123456789abcdef';

await startGateway();
await createBucket(bucket);

const keys = await createTestKeys();
const dir = await mkdtemp(path.join(tmpdir(), 'openraz-leaks-'));
t.teardown(async () => {
  await rm(keys.dir, { recursive: true, force: true });
  await rm(dir, { recursive: true, force: true });
});

// The AWS SDK must not reach instance metadata or read this machine's ~/.aws files.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_CONFIG_FILE = path.join(dir, 'no-config');
process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'no-credentials');
process.env.REDTEAM2_LEAK_KEY_ID = gatewayAccessKey;
process.env.REDTEAM2_LEAK_SECRET = gatewaySecretKey;
process.env.REDTEAM2_LEAK_WRONG_SECRET = wrongSecret;

const policies = [
  {
    id: 1,
    name: 'mallory owns m/',
    resources: { bucket: { values: [bucket, 'redteam2-leaks-broken'] }, path: { values: ['m/'], isRecursive: true } },
    policyItems: [{ users: ['mallory'], accesses: [{ type: 'read' }, { type: 'write' }] }],
  },
];

async function start(targets: Record<string, unknown>[]): Promise<TestService> {
  const service = await startTestService({ keys, policies, credentials: 'configured', config: { s3: { targets } }, now: () => new Date() });
  t.teardown(() => service.close());
  return service;
}

/** Returns the secret and session token that the signer of `forBucket` uses, which the checks search for. */
function signerCredentials(service: TestService, forBucket: string): { secretAccessKey: string; sessionToken?: string } {
  const signer = service.storage.forBucket(forBucket, new Date()) as unknown as { credentials: { secretAccessKey: string; sessionToken?: string } };
  return signer.credentials;
}

t.test('temporary credentials stay out of every output', async (t) => {
  const sourceCredentials = { source: 'static', accessKeyIdEnv: 'REDTEAM2_LEAK_KEY_ID', secretAccessKeyEnv: 'REDTEAM2_LEAK_SECRET' };
  const service = await start([
    {
      name: 'role',
      buckets: [bucket],
      endpoint: stsGatewayEndpoint,
      forcePathStyle: true,
      credentials: { source: 'assume-role', roleArn: gatewayRoleArn, stsEndpoint: stsGatewayEndpoint, sourceCredentials },
    },
    {
      name: 'broken-role',
      buckets: ['redteam2-leaks-broken'],
      endpoint: stsGatewayEndpoint,
      forcePathStyle: true,
      credentials: {
        source: 'assume-role',
        roleArn: gatewayRoleArn,
        stsEndpoint: stsGatewayEndpoint,
        sourceCredentials: { ...sourceCredentials, secretAccessKeyEnv: 'REDTEAM2_LEAK_WRONG_SECRET' },
      },
    },
  ]);
  const credentials = signerCredentials(service, bucket);
  t.ok(credentials.sessionToken, 'the role target holds a session token');

  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const base = `${stsGatewayEndpoint}/${bucket}`;
  const calls: [url: string, payload: Record<string, unknown>][] = [
    ['/v1/sign/request', { method: 'PUT', url: `${base}/m/a`, headers: { 'x-amz-meta-a': 'b' } }],
    ['/v1/sign/request', { method: 'GET', url: `${base}/other` }],
    ['/v1/sign/request', { method: 'GET', url: `${base}/m/a`, headers: { 'x-amz-security-token': 'guess' } }],
    [
      '/v1/sign/request',
      {
        method: 'PUT',
        url: `${base}/m/c`,
        headers: { 'x-amz-copy-source': `${bucket}/m/a`, 'content-type': 'text/plain', 'x-amz-metadata-directive': 'COPY' },
      },
    ],
    ['/v1/sign', { operation: 'GetObject', bucket: 'redteam2-leaks-broken', key: 'm/a' }],
    ['/v1/sign', { operation: 'GetObject', bucket, key: 'm/a', expiresInSeconds: 10 ** 9 }],
    [
      '/v1/sign/batch',
      { requests: [{ operation: 'GetObject', bucket, key: 'm/a' }, { operation: 'GetObject', bucket: 'redteam2-leaks-broken', key: 'm/a' }, 7] },
    ],
    ['/v1/authorize', { operation: 'GetObject', bucket, key: 'm/a' }],
  ];
  const errorResponses: string[] = [];
  for (const [url, payload] of calls) {
    const response = await service.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });
    const failedItems = url === '/v1/sign/batch' ? (response.json().results as { status: number }[]).filter((item) => item.status !== 200) : [];
    if (response.statusCode >= 400) errorResponses.push(`${JSON.stringify(response.headers)} ${response.body}`);
    errorResponses.push(JSON.stringify(failedItems));
  }
  const readiness = await service.app.inject({ url: '/readyz' });
  const metrics = await service.app.inject({ url: '/metrics' });

  const outputs: Record<string, string> = {
    'diagnostic log': service.logText(),
    'audit log': JSON.stringify(await service.auditLines()),
    'error responses': errorResponses.join('\n'),
    '/readyz': readiness.body,
    '/metrics': metrics.body,
  };
  const secrets: Record<string, string> = {
    'the temporary secret': credentials.secretAccessKey,
    'the session token': credentials.sessionToken!,
    'the source secret': gatewaySecretKey,
    'a rejected source secret': wrongSecret,
  };
  for (const [where, text] of Object.entries(outputs)) {
    for (const [what, value] of Object.entries(secrets)) t.notOk(text.includes(value), `${where} does not contain ${what}`);
  }
  t.match(outputs['diagnostic log'], /storage credentials could not be loaded/, 'the failing role was logged');
});

t.test('misnamed expiry variable stays out of the log', async (t) => {
  // sessionTokenEnv and expirationEnv swapped by mistake: the session token is read as a date.
  process.env.REDTEAM2_LEAK_SESSION_TOKEN = 'redteam2-session-token-0123456789abcdef';
  process.env.REDTEAM2_LEAK_EXPIRY = '2030-01-01T00:00:00Z';
  const service = await start([
    {
      name: 'swapped',
      buckets: [bucket],
      endpoint: stsGatewayEndpoint,
      forcePathStyle: true,
      credentials: {
        source: 'static',
        accessKeyIdEnv: 'REDTEAM2_LEAK_KEY_ID',
        secretAccessKeyEnv: 'REDTEAM2_LEAK_SECRET',
        sessionTokenEnv: 'REDTEAM2_LEAK_EXPIRY',
        expirationEnv: 'REDTEAM2_LEAK_SESSION_TOKEN',
      },
    },
  ]);
  t.match(service.logText(), /storage credentials could not be loaded/, 'the failure is logged');
  t.notMatch(service.logText(), process.env.REDTEAM2_LEAK_SESSION_TOKEN, 'without the value of the variable');
});
