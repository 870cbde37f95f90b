import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { createCredentialSource, environmentSource, iniFileSource, jsonFileSource } from '../../src/credentials/index.js';

const dir = await mkdtemp(path.join(tmpdir(), 'openraz-static-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
const secret = 'static-secret-never-in-a-message';

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: Error) => error,
  );
}

t.test('environment variables named in the configuration', async (t) => {
  const env = {
    CEPH_KEY: 'ASIACEPH',
    CEPH_SECRET: secret,
    CEPH_TOKEN: 'tok',
    CEPH_EXPIRY: '2026-01-02T11:00:00Z',
    AWS_ACCESS_KEY_ID: 'AKIAOTHER',
    AWS_SECRET_ACCESS_KEY: 'other',
  };
  const source = createCredentialSource(
    {
      source: 'static',
      accessKeyIdEnv: 'CEPH_KEY',
      secretAccessKeyEnv: 'CEPH_SECRET',
      sessionTokenEnv: 'CEPH_TOKEN',
      expirationEnv: 'CEPH_EXPIRY',
      refreshBeforeExpirySeconds: 300,
    },
    'us-east-1',
    env,
  );
  t.equal(source.kind, 'static');
  t.equal(source.refreshable, false);
  t.same(await source.resolve(), {
    accessKeyId: 'ASIACEPH',
    secretAccessKey: secret,
    sessionToken: 'tok',
    expiration: new Date('2026-01-02T11:00:00Z'),
  });

  const standard = createCredentialSource({ source: 'static', refreshBeforeExpirySeconds: 300 }, 'us-east-1', env);
  t.same(await standard.resolve(), { accessKeyId: 'AKIAOTHER', secretAccessKey: 'other' }, 'no names: the AWS_* variables');

  const named = createCredentialSource(
    { source: 'static', accessKeyIdEnv: 'CEPH_KEY', secretAccessKeyEnv: 'CEPH_SECRET', refreshBeforeExpirySeconds: 300 },
    'us-east-1',
    {
      ...env,
      AWS_SESSION_TOKEN: 'not-for-ceph',
    },
  );
  t.equal((await named.resolve()).sessionToken, undefined, 'named keys never mix with AWS_SESSION_TOKEN');

  const missing = await errorOf(environmentSource({ accessKeyId: 'CEPH_KEY', secretAccessKey: 'NOT_SET' }, env).resolve());
  t.equal(missing.message, 'environment variables CEPH_KEY and NOT_SET are not both set');
  const badDate = await errorOf(
    environmentSource({ accessKeyId: 'CEPH_KEY', secretAccessKey: 'CEPH_SECRET', expiration: 'CEPH_KEY' }, env).resolve(),
  );
  t.equal(badDate.message, 'CEPH_KEY is not an ISO 8601 date; check that it names the expiry and not a key or token');
  t.notMatch(badDate.message, 'ASIACEPH', 'the value of the variable is not quoted');
});

t.test('JSON credentials file', async (t) => {
  const file = path.join(dir, 'keys.json');
  await writeFile(
    file,
    JSON.stringify({ Version: 1, AccessKeyId: 'ASIAFILE', SecretAccessKey: secret, SessionToken: 'tok', Expiration: '2026-01-02T11:00:00Z' }),
  );
  const source = createCredentialSource({ source: 'static', file, refreshBeforeExpirySeconds: 300 }, 'us-east-1');
  t.equal(source.refreshable, true, 'a file is read again at each refresh');
  t.same(await source.resolve(), {
    accessKeyId: 'ASIAFILE',
    secretAccessKey: secret,
    sessionToken: 'tok',
    expiration: new Date('2026-01-02T11:00:00Z'),
  });

  await writeFile(file, JSON.stringify({ AccessKeyId: 'AKIALONG', SecretAccessKey: secret }));
  t.same(await source.resolve(), { accessKeyId: 'AKIALONG', secretAccessKey: secret }, 'read again, without Version and expiry');

  const cases: [text: string, message: string][] = [
    [`{"AccessKeyId": "A", "SecretAccessKey": "${secret}",`, `${file} is not valid JSON`],
    [`["${secret}"]`, `${file} must hold a JSON object`],
    [`{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "${secret}"}`, `${file}: field "Version" must be 1`],
    [`{"AccessKeyId": "A", "SecretAccessKey": 7}`, `${file}: field "SecretAccessKey" must be a string`],
    [`{"AccessKeyId": "A", "SecretAccessKey": "${secret}", "Expiration": "soon"}`, `${file}: field "Expiration" is not an ISO 8601 date`],
    [`{"AccessKeyId": "A"}`, `${file} returned no access key id or no secret access key`],
  ];
  for (const [text, message] of cases) {
    await writeFile(file, text);
    const error = await errorOf(source.resolve());
    t.equal(error.message, message, text);
    t.notMatch(error.message, secret, `${text}: the secret is not quoted`);
  }
  t.match((await errorOf(jsonFileSource(path.join(dir, 'missing.json')).resolve())).message, /ENOENT/);
});

t.test('INI credentials file', async (t) => {
  const file = path.join(dir, 'credentials');
  await writeFile(
    file,
    [
      '[default]',
      'aws_access_key_id = AKIADEFAULT',
      `aws_secret_access_key = ${secret}`,
      '',
      '[ceph]',
      'aws_access_key_id = ASIACEPH',
      `aws_secret_access_key = ${secret}`,
      'aws_session_token = tok',
      '',
    ].join('\n'),
  );
  t.same(await iniFileSource(file).resolve(), { accessKeyId: 'AKIADEFAULT', secretAccessKey: secret }, 'profile default');
  const ceph = createCredentialSource({ source: 'static', file, profile: 'ceph', refreshBeforeExpirySeconds: 300 }, 'us-east-1');
  t.same(await ceph.resolve(), { accessKeyId: 'ASIACEPH', secretAccessKey: secret, sessionToken: 'tok' });

  await writeFile(file, ['[ceph]', 'aws_access_key_id = ASIAROTATED', `aws_secret_access_key = ${secret}`, ''].join('\n'));
  t.equal((await ceph.resolve()).accessKeyId, 'ASIAROTATED', 'the file is read again, not cached');

  const missing = await errorOf(iniFileSource(file, 'nope').resolve());
  t.equal(missing.message, `profile "nope" of ${file}: Could not resolve credentials using profile: [nope] in configuration/credentials file(s).`);
  t.notMatch(missing.message, secret);

  const asIni = createCredentialSource(
    { source: 'static', file: path.join(dir, 'keys.json'), fileFormat: 'ini', refreshBeforeExpirySeconds: 300 },
    'us-east-1',
  );
  await t.rejects(asIni.resolve(), 'fileFormat overrides the .json name');
});
