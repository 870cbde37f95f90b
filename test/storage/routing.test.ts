import t from 'tap';
import { validateConfigDocument } from '../../src/config/index.js';
import { OpenRazError } from '../../src/errors/index.js';
import { describeOperation } from '../../src/s3/index.js';
import { SignerRegistry, targetDefinitions } from '../../src/storage/index.js';
import { TEST_CREDENTIALS, startTestServiceFor } from '../fixtures/service.js';
import { NOW, signToken } from '../fixtures/tokens.js';

const jwt = { issuer: 'https://idp.test', audience: ['openraz'], algorithms: ['RS256'], jwksFile: 'jwks.json' };
const keysFromEnvironment = { source: 'static' };

function targetOn(name: string, buckets: string[]): Record<string, unknown> {
  return { name, buckets, endpoint: `http://${name}.store.test:9000`, forcePathStyle: true, credentials: keysFromEnvironment };
}

async function openRegistry(s3: Record<string, unknown>): Promise<SignerRegistry> {
  const config = validateConfigDocument({ jwt, s3 }, 'test', {});
  const registry = await SignerRegistry.open(targetDefinitions(config.s3), { credentials: TEST_CREDENTIALS });
  t.teardown(() => registry.close());
  return registry;
}

/** Returns the host of a GetObject URL for `bucket`; each target in these tests has its own host. */
async function hostFor(registry: SignerRegistry, bucket: string): Promise<string> {
  const signer = registry.forBucket(bucket, NOW);
  const { url } = await signer.presign(describeOperation({ operation: 'GetObject', bucket, key: 'k' }), { expiresInSeconds: 60, signingDate: NOW });
  return new URL(url).host;
}

function rejection(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return new Error('expected an error');
}

t.test('first matching target serves a bucket', async (t) => {
  const registry = await openRegistry({
    targets: [
      targetOn('teams', ['logs', 'team-*']),
      targetOn('secret', ['team-secret', 'vault']),
      targetOn('short', ['data-?']),
      targetOn('rest', ['*']),
    ],
  });
  const cases: [bucket: string, target: string][] = [
    ['logs', 'teams'],
    ['team-a', 'teams'],
    ['team-secret', 'teams'],
    ['vault', 'secret'],
    ['data-1', 'short'],
    ['data-12', 'rest'],
    ['logs2', 'rest'],
    ['my.data', 'rest'],
  ];
  for (const [bucket, expected] of cases) t.equal(await hostFor(registry, bucket), `${expected}.store.test:9000`, bucket);
});

t.test('bucket without a target is rejected', async (t) => {
  const registry = await openRegistry({ targets: [targetOn('teams', ['team-*'])] });
  const error = rejection(() => registry.forBucket('reports', NOW));
  t.type(error, OpenRazError);
  t.equal((error as OpenRazError).code, 'ERR_REQUEST_BUCKET_UNROUTED');
  t.equal((error as OpenRazError).statusCode, 400);
  t.same((error as OpenRazError).details, { field: 'bucket' });
  t.match((error as OpenRazError).message, /No storage target serves bucket "reports"/);
  t.equal((rejection(() => registry.forBucket('team', NOW)) as OpenRazError).code, 'ERR_REQUEST_BUCKET_UNROUTED', 'team-* needs the dash');
  t.equal(
    (rejection(() => registry.forBucket('xteam-a', NOW)) as OpenRazError).code,
    'ERR_REQUEST_BUCKET_UNROUTED',
    'a pattern matches the whole name',
  );
});

t.test('s3 settings alone make the default target', async (t) => {
  const config = validateConfigDocument(
    { jwt, s3: { endpoint: 'http://127.0.0.1:7480', region: 'eu-west-1', forcePathStyle: true, putObjectAcl: 'private' } },
    'test',
    {},
  );
  const [only, ...others] = targetDefinitions(config.s3);
  t.equal(others.length, 0);
  t.equal(only?.name, 'default');
  t.same(only?.buckets, ['*']);
  t.same(only?.target, { protocol: 'http:', hostname: '127.0.0.1', port: 7480, region: 'eu-west-1', forcePathStyle: true, putObjectAcl: 'private' });
  t.same(only?.credentials, { source: 'static', refreshBeforeExpirySeconds: 300 }, 'the standard AWS_* variables');

  const aws = targetDefinitions(validateConfigDocument({ jwt }, 'test', {}).s3)[0];
  t.same(
    aws?.target,
    { protocol: 'https:', hostname: 's3.us-east-1.amazonaws.com', region: 'us-east-1', forcePathStyle: false },
    'AWS in us-east-1 by default',
  );
});

t.test('the sign route rejects an unrouted bucket', async (t) => {
  const policies = [
    {
      id: 1,
      name: 'all',
      resources: { bucket: { values: ['*'] }, path: { values: ['*'] } },
      policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }],
    },
  ];
  const { keys, service } = await startTestServiceFor(t, { policies, config: { s3: { targets: [targetOn('teams', ['team-*'])] } } });
  const bob = await signToken(keys, { sub: 'bob' });

  const sign = (bucket: string) =>
    service.app.inject({
      method: 'POST',
      url: '/v1/sign',
      headers: { authorization: `Bearer ${bob}` },
      payload: { operation: 'GetObject', bucket, key: 'k' },
    });
  const unrouted = await sign('reports');
  t.equal(unrouted.statusCode, 400);
  t.equal(unrouted.json().code, 'ERR_REQUEST_BUCKET_UNROUTED');
  t.equal(unrouted.json().field, 'bucket');
  t.same(await service.auditLines(), [], 'no decision is made for a bucket no target serves');

  const routed = await sign('team-a');
  t.equal(routed.statusCode, 200);
  t.match(routed.json().url, /^http:\/\/teams\.store\.test:9000\/team-a\/k\?/);

  const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json().credentials, { loaded: true, targets: [{ name: 'teams', source: 'static', valid: true }] });
});

t.test('copies and ListBuckets across targets', async (t) => {
  const policies = [
    {
      id: 1,
      name: 'everything',
      resources: { bucket: { values: ['*'] }, path: { values: ['*'], isRecursive: true } },
      policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'list' }] }],
    },
  ];
  const targets = [targetOn('teams', ['team-*']), targetOn('logs', ['logs-*'])];
  const { keys, service } = await startTestServiceFor(t, { policies, config: { s3: { targets } } });
  const bob = await signToken(keys, { sub: 'bob' });
  const sign = (payload: Record<string, unknown>) =>
    service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${bob}` }, payload });

  const within = await sign({ operation: 'CopyObject', bucket: 'team-a', key: 'k', copySource: { bucket: 'team-b', key: 'k' } });
  t.equal(within.statusCode, 200, 'a copy within one target');

  const across = await sign({ operation: 'CopyObject', bucket: 'team-a', key: 'k', copySource: { bucket: 'logs-1', key: 'k' } });
  t.equal(across.statusCode, 400, 'a copy from another target');
  t.equal(across.json().code, 'ERR_REQUEST_INVALID');
  t.equal(across.json().field, 'copySource.bucket');
  t.notOk(across.json().url);

  const unrouted = await sign({ operation: 'CopyObject', bucket: 'team-a', key: 'k', copySource: { bucket: 'elsewhere', key: 'k' } });
  t.equal(unrouted.json().code, 'ERR_REQUEST_BUCKET_UNROUTED', 'a copy source no target serves');

  const list = await sign({ operation: 'ListBuckets' });
  t.equal(list.statusCode, 200);
  t.match(list.json().url, /^http:\/\/teams\.store\.test:9000\/\?/, 'ListBuckets goes to the first target');
});
