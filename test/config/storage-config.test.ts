import t from 'tap';
import { validateConfigDocument } from '../../src/config/index.js';
import { LoadError, type LoadProblem } from '../../src/errors/index.js';

const jwt = { issuer: 'https://idp.test', audience: ['openraz'], algorithms: ['RS256'], jwksFile: 'jwks.json' };
const environmentKeys = { source: 'static', accessKeyIdEnv: 'CEPH_KEY_ID', secretAccessKeyEnv: 'CEPH_SECRET' };

function target(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'ceph', buckets: ['team-*'], endpoint: 'http://127.0.0.1:7480', forcePathStyle: true, credentials: environmentKeys, ...overrides };
}

function problemsOf(s3: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): LoadProblem[] {
  try {
    validateConfigDocument({ jwt, s3 }, 'config.yaml', env);
  } catch (error) {
    if (error instanceof LoadError) return [...error.problems];
    throw error;
  }
  return [];
}

/** Returns `pointer: message` lines, so one assertion shows every problem on failure. */
function describe(problems: LoadProblem[]): string[] {
  return problems.map((problem) => `${problem.pointer}: ${problem.message}`);
}

t.test('targets with defaults', async (t) => {
  const config = validateConfigDocument(
    { jwt, s3: { targets: [target(), { name: 'aws', buckets: ['*'], credentials: { source: 'default-chain' } }] } },
    'config.yaml',
    {},
  );
  const [ceph, aws] = config.s3.targets!;
  t.equal(ceph?.region, 'us-east-1');
  t.equal(ceph?.credentials.refreshBeforeExpirySeconds, 300, 'the refresh margin has a default');
  t.equal(aws?.forcePathStyle, false);
  t.equal(aws?.endpoint, undefined, 'the AWS endpoint of the region is used');
});

t.test('R2 endpoints and region auto', async (t) => {
  const r2 = 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com';
  t.same(problemsOf({ targets: [target({ endpoint: r2, region: 'auto', forcePathStyle: false })] }), [], 'an R2 endpoint with region auto');

  const wrongRegion = problemsOf({ targets: [target({ endpoint: r2, region: 'us-east-1' })] });
  t.same(describe(wrongRegion), [
    `/s3/targets/0/region: Cloudflare R2 endpoint 0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com needs region "auto", not "us-east-1"`,
  ]);

  const customDomain = problemsOf({ targets: [target({ endpoint: 'https://files.example.com', region: 'auto' })] });
  t.equal(customDomain.length, 1);
  t.equal(customDomain[0]?.pointer, '/s3/targets/0/region', 'an R2 custom domain is not an S3 API endpoint');
  t.match(customDomain[0]?.message, /region "auto" is valid only for Cloudflare R2 endpoints/);

  const awsAuto = problemsOf({ targets: [target({ endpoint: undefined, region: 'auto' })] });
  t.equal(awsAuto[0]?.pointer, '/s3/targets/0/region', 'auto without an endpoint would sign for AWS');

  const single = problemsOf({ endpoint: r2, region: 'eu-west-1' });
  t.equal(single[0]?.pointer, '/s3/region', 'the single target follows the same rule');
  const bare = problemsOf({ endpoint: 'https://r2.cloudflarestorage.com', region: 'auto' });
  t.equal(bare[0]?.pointer, '/s3/region', 'the R2 suffix alone has no account');
});

t.test('duplicate target names', async (t) => {
  const problems = problemsOf({ targets: [target(), target({ buckets: ['logs'] }), target({ name: 'other' })] });
  t.same(describe(problems), ['/s3/targets/1/name: target name "ceph" is already used by /s3/targets/0; names must be unique']);
});

t.test('endpoints hold only scheme, host and port', async (t) => {
  const cases = ['https://s3.example.com/prefix', 'https://user:pw@s3.example.com', 'https://s3.example.com?x=1', 'https://s3.example.com#top'];
  for (const endpoint of cases) {
    const problems = problemsOf({ targets: [target({ endpoint })] });
    t.same(describe(problems), [`/s3/targets/0/endpoint: "${endpoint}" must contain only scheme, host and port`], endpoint);
  }
  t.equal(problemsOf({ endpoint: 'https://s3.example.com/bucket' })[0]?.pointer, '/s3/endpoint', 'the single target too');
  t.equal(problemsOf({ targets: [target({ endpoint: 'ftp://s3.example.com' })] })[0]?.pointer, '/s3/targets/0/endpoint');
});

t.test('single-target settings conflict with targets', async (t) => {
  const problems = problemsOf({
    endpoint: 'http://127.0.0.1:7480',
    region: 'us-east-1',
    forcePathStyle: false,
    credentials: { source: 'default-chain' },
    targets: [target()],
  });
  t.same(problems.map((problem) => problem.pointer).sort(), ['/s3/credentials', '/s3/endpoint', '/s3/forcePathStyle', '/s3/region']);
  t.match(problems[0]?.message, /describes the single target used without s3.targets/);
  t.same(problemsOf({ targets: [target()], reservedBucketNames: ['admin'], allowDotSegments: true }), [], 'settings for every target stay');
});

t.test('bucket patterns and names', async (t) => {
  t.equal(problemsOf({ targets: [target({ buckets: ['Team'] })] })[0]?.pointer, '/s3/targets/0/buckets/0', 'upper case never matches a bucket');
  t.equal(problemsOf({ targets: [target({ buckets: [] })] })[0]?.pointer, '/s3/targets/0/buckets');
  t.equal(problemsOf({ targets: [target({ name: 'has space' })] })[0]?.pointer, '/s3/targets/0/name');
  t.equal(problemsOf({ targets: [] })[0]?.pointer, '/s3/targets');
  t.equal(
    problemsOf({ targets: [target({ credentials: undefined })] })[0]?.pointer,
    '/s3/targets/0/credentials',
    'a listed target names its credentials',
  );
});

t.test('keys are never accepted in the configuration', async (t) => {
  for (const field of ['accessKeyId', 'secretAccessKey', 'sessionToken', 'aws_secret_access_key']) {
    const problems = problemsOf({ targets: [target({ credentials: { source: 'static', [field]: 'AKIA-or-secret' } })] });
    t.equal(problems[0]?.pointer, `/s3/targets/0/credentials/${field}`, field);
    t.match(problems[0]?.message, /storage keys are not allowed in the configuration/, field);
    t.notMatch(problems[0]?.message, /AKIA-or-secret/, `${field}: the value is not repeated`);
  }
  const single = problemsOf({ credentials: { source: 'static', secretAccessKey: 'x' } });
  t.match(single[0]?.message, /storage keys are not allowed/);
});

t.test('credential source fields', async (t) => {
  const cases: [credentials: Record<string, unknown>, expected: string[]][] = [
    [
      { source: 'static', file: 'keys.json', accessKeyIdEnv: 'A' },
      ['/accessKeyIdEnv: field "accessKeyIdEnv" does not go with "file": a static source reads either environment variables or a file'],
    ],
    [
      { source: 'static', accessKeyIdEnv: 'A' },
      ['/secretAccessKeyEnv: missing required field "secretAccessKeyEnv": name both key variables, or none for the standard AWS_* ones'],
    ],
    [{ source: 'static', profile: 'p' }, ['/profile: field "profile" applies only with "file"']],
    [{ source: 'static', file: 'keys.json', profile: 'p' }, ['/profile: field "profile" applies only to an INI credentials file']],
    [{ source: 'static', file: 'keys', fileFormat: 'json', profile: 'p' }, ['/profile: field "profile" applies only to an INI credentials file']],
    [{ source: 'static', roleArn: 'arn:aws:iam::1:role/r' }, ['/roleArn: field "roleArn" does not apply to source "static"']],
    [{ source: 'default-chain', accessKeyIdEnv: 'A' }, ['/accessKeyIdEnv: field "accessKeyIdEnv" does not apply to source "default-chain"']],
    [{ source: 'assume-role' }, ['/roleArn: missing required field "roleArn": source "assume-role" needs the ARN of the role to assume']],
    [{ source: 'assume-role', roleArn: 'arn:aws:iam::1:role/r', file: 'x' }, ['/file: field "file" does not apply to source "assume-role"']],
    [
      { source: 'assume-role', roleArn: 'arn:aws:iam::1:role/r', stsEndpoint: 'https://sts.example.com/path' },
      ['/stsEndpoint: "https://sts.example.com/path" must contain only scheme, host and port'],
    ],
    [
      { source: 'assume-role', roleArn: 'arn:aws:iam::1:role/r', sourceCredentials: { source: 'static', profile: 'p' } },
      ['/sourceCredentials/profile: field "profile" applies only with "file"'],
    ],
  ];
  for (const [credentials, expected] of cases) {
    const problems = problemsOf({ targets: [target({ credentials })] });
    t.same(
      describe(problems),
      expected.map((line) => `/s3/targets/0/credentials${line}`),
      JSON.stringify(credentials),
    );
  }

  const valid: Record<string, unknown>[] = [
    { source: 'static' },
    { source: 'static', accessKeyIdEnv: 'A', secretAccessKeyEnv: 'B', sessionTokenEnv: 'C', expirationEnv: 'D' },
    { source: 'static', file: 'keys.ini', profile: 'ceph' },
    { source: 'default-chain', profile: 'prod', refreshBeforeExpirySeconds: 600 },
    {
      source: 'assume-role',
      roleArn: 'arn:aws:iam::123456789012:role/openraz',
      roleSessionName: 'openraz-eu',
      externalId: 'ext-1',
      durationSeconds: 900,
      stsEndpoint: 'https://sts.eu-central-1.amazonaws.com',
      stsRegion: 'eu-central-1',
      sourceCredentials: { source: 'default-chain' },
    },
  ];
  for (const credentials of valid) t.same(problemsOf({ targets: [target({ credentials })] }), [], JSON.stringify(credentials));
});

t.test('assume-role value ranges', async (t) => {
  const role = { source: 'assume-role', roleArn: 'arn:aws:iam::1:role/r' };
  t.equal(
    problemsOf({ targets: [target({ credentials: { ...role, durationSeconds: 899 } })] })[0]?.pointer,
    '/s3/targets/0/credentials/durationSeconds',
    'below STS minimum',
  );
  t.equal(
    problemsOf({ targets: [target({ credentials: { ...role, durationSeconds: 43_201 } })] })[0]?.pointer,
    '/s3/targets/0/credentials/durationSeconds',
    'above STS maximum',
  );
  t.equal(problemsOf({ targets: [target({ credentials: { ...role, roleArn: 'not-an-arn' } })] })[0]?.pointer, '/s3/targets/0/credentials/roleArn');
  t.equal(
    problemsOf({ targets: [target({ credentials: { ...role, refreshBeforeExpirySeconds: 10 } })] })[0]?.pointer,
    '/s3/targets/0/credentials/refreshBeforeExpirySeconds',
  );
  t.equal(
    problemsOf({ targets: [target({ credentials: { ...role, sourceCredentials: { source: 'assume-role' } } })] })[0]?.pointer,
    '/s3/targets/0/credentials/sourceCredentials/source',
    'no role chains',
  );
});

t.test('targets and credentials from the environment', async (t) => {
  const targets = [target(), { name: 'aws', buckets: ['*'], region: 'eu-central-1', credentials: { source: 'default-chain' } }];
  const config = validateConfigDocument({ jwt }, 'configuration', { OPENRAZ_S3_TARGETS: JSON.stringify(targets) });
  t.same(
    config.s3.targets?.map((entry) => entry.name),
    ['ceph', 'aws'],
  );
  const single = validateConfigDocument({ jwt }, 'configuration', { OPENRAZ_S3_CREDENTIALS: '{"source":"default-chain"}' });
  t.equal(single.s3.credentials?.source, 'default-chain');

  const broken = problemsOf({}, { OPENRAZ_S3_TARGETS: '[{"name": ' });
  t.same(
    broken.map((problem) => `${problem.source}#${problem.pointer}: ${problem.message}`),
    ['OPENRAZ_S3_TARGETS#/s3/targets: invalid JSON value'],
  );
  const invalid = problemsOf({}, { OPENRAZ_S3_TARGETS: JSON.stringify([target({ endpoint: 'https://x.example.com/p' })]) });
  t.equal(invalid[0]?.source, 'OPENRAZ_S3_TARGETS', 'a problem in an environment value names the variable');
  t.equal(invalid[0]?.pointer, '/s3/targets/0/endpoint');
});
