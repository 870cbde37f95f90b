import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { CONFIG_SCHEMA, ENVIRONMENT_OVERRIDES, loadConfig, validateConfigDocument } from '../../src/config/index.js';
import { LoadError, type LoadProblem } from '../../src/errors/index.js';

/** Returns what `promise` rejects with, or fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
}

const minimal = { jwt: { issuer: 'https://idp.test', audience: ['openraz'], algorithms: ['RS256'], jwksFile: 'jwks.json' } };

function problemsOf(document: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): LoadProblem[] {
  try {
    validateConfigDocument(document, 'config.yaml', env);
  } catch (error) {
    if (error instanceof LoadError) return [...error.problems];
    throw error;
  }
  return [];
}

t.test('defaults fill a minimal configuration', async (t) => {
  const config = validateConfigDocument(minimal, 'config.yaml', {});
  t.equal(config.server.host, '127.0.0.1');
  t.equal(config.server.port, 8080);
  t.equal(config.policies.dir, 'policies');
  t.equal(config.jwt.userClaim, 'sub');
  t.equal(config.jwt.groupsClaim, 'groups');
  t.equal(config.jwt.clockToleranceSeconds, 30);
  t.equal(config.s3.region, 'us-east-1');
  t.equal(config.s3.endpoint, undefined);
  t.equal(config.signing.defaultExpiresSeconds, 300);
  t.equal(config.signing.maxExpiresSeconds, 3600);
  t.equal(config.audit.destination, 'stdout');
});

t.test('environment overrides every setting', async (t) => {
  const config = validateConfigDocument({}, 'configuration', {
    OPENRAZ_HOST: '0.0.0.0',
    OPENRAZ_PORT: '9000',
    OPENRAZ_POLICIES_DIR: '/etc/openraz/policies',
    OPENRAZ_JWT_ISSUER: 'https://idp.example',
    OPENRAZ_JWT_AUDIENCE: 'raz, other',
    OPENRAZ_JWT_ALGORITHMS: 'RS256,ES256',
    OPENRAZ_JWT_JWKS_URL: 'https://idp.example/jwks.json',
    OPENRAZ_JWT_USER_CLAIM: 'preferred_username',
    OPENRAZ_JWT_GROUPS_CLAIM: 'roles',
    OPENRAZ_S3_ENDPOINT: 'http://127.0.0.1:7480',
    OPENRAZ_S3_REGION: 'eu-central-1',
    OPENRAZ_S3_FORCE_PATH_STYLE: 'true',
    OPENRAZ_DEFAULT_EXPIRES_SECONDS: '60',
    OPENRAZ_MAX_EXPIRES_SECONDS: '600',
  });
  t.equal(config.server.host, '0.0.0.0');
  t.equal(config.server.port, 9000);
  t.equal(config.policies.dir, '/etc/openraz/policies');
  t.same(config.jwt.audience, ['raz', 'other']);
  t.same(config.jwt.algorithms, ['RS256', 'ES256']);
  t.equal(config.jwt.jwksUrl, 'https://idp.example/jwks.json');
  t.equal(config.jwt.userClaim, 'preferred_username');
  t.equal(config.jwt.groupsClaim, 'roles');
  t.equal(config.s3.endpoint, 'http://127.0.0.1:7480');
  t.equal(config.s3.region, 'eu-central-1');
  t.equal(config.s3.forcePathStyle, true);
  t.equal(config.signing.defaultExpiresSeconds, 60);
  t.equal(config.signing.maxExpiresSeconds, 600);
});

t.test('every setting has an environment variable', async (t) => {
  const pointers = new Set(Object.values(ENVIRONMENT_OVERRIDES).map((entry) => entry.pointer));
  for (const [section, definition] of Object.entries(CONFIG_SCHEMA.properties)) {
    for (const field of Object.keys(definition.properties)) {
      t.ok(pointers.has(`/${section}/${field}`), `/${section}/${field}`);
    }
  }
});

t.test('invalid settings are all listed with pointers', async (t) => {
  const problems = problemsOf({
    server: { port: 70000, hots: 'x' },
    jwt: { ...minimal.jwt, clockToleranceSeconds: 301, algorithms: ['none'] },
    signing: { maxExpiresSeconds: 604801 },
  });
  const pointers = problems.map((problem) => problem.pointer).sort();
  t.same(pointers, ['/jwt/algorithms/0', '/jwt/clockToleranceSeconds', '/server/hots', '/server/port', '/signing/maxExpiresSeconds']);
});

t.test('invalid environment values name the variable', async (t) => {
  const problems = problemsOf(minimal, { OPENRAZ_PORT: 'eighty', OPENRAZ_S3_FORCE_PATH_STYLE: 'maybe' });
  t.same(problems.map((problem) => problem.source).sort(), ['OPENRAZ_PORT', 'OPENRAZ_S3_FORCE_PATH_STYLE']);
});

t.test('rules across settings', async (t) => {
  const two = problemsOf({ jwt: { ...minimal.jwt, jwksUrl: 'https://idp/jwks' } });
  t.match(two[0]?.message, /exactly one token key source/);
  const none = problemsOf({ jwt: { ...minimal.jwt, jwksFile: undefined } });
  t.match(none[0]?.message, /found none/);
  const mixed = problemsOf({ jwt: { ...minimal.jwt, algorithms: ['RS256', 'HS256'] } });
  t.equal(mixed[0]?.pointer, '/jwt/algorithms');
  const secretWithRsa = problemsOf({ jwt: { ...minimal.jwt, jwksFile: undefined, secretFile: 's', algorithms: ['RS256'] } });
  t.equal(secretWithRsa[0]?.pointer, '/jwt/algorithms');
  const expiry = problemsOf({ ...minimal, signing: { defaultExpiresSeconds: 4000 } });
  t.equal(expiry[0]?.pointer, '/signing/defaultExpiresSeconds');
});

t.test('configuration files in YAML and JSON', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-config-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const yamlFile = path.join(dir, 'openraz.yaml');
  await writeFile(yamlFile, 'jwt:\n  issuer: https://idp.test\n  audience: [openraz]\n  algorithms: [ES256]\n  jwksFile: jwks.json\nserver:\n  port: 8181\n');
  t.equal((await loadConfig(yamlFile, {})).server.port, 8181);

  const jsonFile = path.join(dir, 'openraz.json');
  await writeFile(jsonFile, JSON.stringify(minimal));
  t.equal((await loadConfig(jsonFile, { OPENRAZ_PORT: '8282' })).server.port, 8282, 'the environment wins over the file');

  await writeFile(jsonFile, '{"jwt": ');
  t.match(await rejection(loadConfig(jsonFile, {})), { problems: [{ source: jsonFile, message: /cannot parse/ }] });
  t.match(await rejection(loadConfig(path.join(dir, 'missing.yaml'), {})), { problems: [{ message: /cannot read/ }] });
});

t.test('unbounded clock tolerance is rejected', async (t) => {
  const fromYaml = problemsOf({ jwt: { ...minimal.jwt, clockToleranceSeconds: Number.POSITIVE_INFINITY } });
  t.equal(fromYaml[0]?.pointer, '/jwt/clockToleranceSeconds', 'YAML .inf');
  const fromEnvironment = problemsOf(minimal, { OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS: 'Infinity' });
  t.equal(fromEnvironment[0]?.source, 'OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS');
  const negative = problemsOf({ jwt: { ...minimal.jwt, clockToleranceSeconds: -1 } });
  t.equal(negative[0]?.pointer, '/jwt/clockToleranceSeconds');
});

t.test('environment values are blamed on their variable', async (t) => {
  const range = problemsOf(minimal, { OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS: '301' });
  t.same(range.map((problem) => `${problem.source}#${problem.pointer}`), ['OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS#/jwt/clockToleranceSeconds']);
  const proxies = problemsOf(minimal, { OPENRAZ_TRUSTED_PROXIES: '10.0.0.1,not-an-ip' });
  t.same(proxies.map((problem) => `${problem.source}#${problem.pointer}`), ['OPENRAZ_TRUSTED_PROXIES#/server/trustedProxies/1']);
  const fromFile = problemsOf({ ...minimal, jwt: { ...minimal.jwt, clockToleranceSeconds: 301 } });
  t.equal(fromFile[0]?.source, 'config.yaml', 'a file value stays blamed on the file');
});

t.test('trusted proxies are addresses or CIDR blocks', async (t) => {
  const config = validateConfigDocument({ ...minimal, server: { trustedProxies: ['10.0.0.0/8', '::1', '192.0.2.7'] } }, 'config.yaml', {});
  t.same(config.server.trustedProxies, ['10.0.0.0/8', '::1', '192.0.2.7']);
  t.same(validateConfigDocument(minimal, 'config.yaml', {}).server.trustedProxies, [], 'none by default');
  const bad = problemsOf({ ...minimal, server: { trustedProxies: ['10.0.0.0/33'] } });
  t.equal(bad[0]?.pointer, '/server/trustedProxies/0');
});

t.test('batch size has a default and a variable', async (t) => {
  t.equal(validateConfigDocument(minimal, 'config.yaml', {}).signing.maxBatchSize, 1000);
  t.equal(validateConfigDocument(minimal, 'config.yaml', { OPENRAZ_SIGNING_MAX_BATCH_SIZE: '50' }).signing.maxBatchSize, 50);
  const zero = problemsOf(minimal, { OPENRAZ_SIGNING_MAX_BATCH_SIZE: '0' });
  t.equal(zero[0]?.source, 'OPENRAZ_SIGNING_MAX_BATCH_SIZE');
  t.equal(zero[0]?.pointer, '/signing/maxBatchSize');
});
