import { KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, generateKeyPair } from 'jose';
import t, { type Test } from 'tap';
import { MAX_TOKEN_LENGTH, createTokenVerifier, type TokenVerifier } from '../../src/auth/index.js';
import { validateConfigDocument, type Config } from '../../src/config/index.js';
import { LoadError, OpenRazError } from '../../src/errors/index.js';
import { runCli } from '../fixtures/cli.js';
import { sendRaw } from '../fixtures/raw-http.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { AUDIENCE, ISSUER, NOW, NOW_SECONDS, createTestKeys, signToken } from '../fixtures/tokens.js';

// Claim, algorithm, size and clock-tolerance limits of token verification, checked on the
// verifier and through the HTTP API. Every rejection is also checked for echoing the token.

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_TOKEN_AGE_SECONDS = 60;
const SECOND_AUDIENCE = 'second-audience';
const JWT_SETTINGS = {
  audience: [AUDIENCE, SECOND_AUDIENCE],
  clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
  maxTokenAgeSeconds: MAX_TOKEN_AGE_SECONDS,
};

function jwtConfig(jwt: Record<string, unknown> = {}): Config['jwt'] {
  const document = { jwt: { issuer: ISSUER, audience: [AUDIENCE], algorithms: ['RS256'], jwksFile: keys.jwksFile, ...jwt } };
  return validateConfigDocument(document, 'test', {}).jwt;
}

const verifier = await createTokenVerifier(jwtConfig(JWT_SETTINGS));
const service = await startTestService({
  keys,
  policies: [
    {
      id: 1,
      name: 'alice reads data/',
      resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
      policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }] }],
    },
  ],
  config: { jwt: JWT_SETTINGS },
});
t.teardown(() => service.close());

interface Outcome {
  code: string;
  claim?: string;
  message?: string;
}

/** Verifies at NOW and returns the error code and claim, or the code `accepted`. */
async function outcomeOf(tokenVerifier: TokenVerifier, token: string): Promise<Outcome> {
  try {
    await tokenVerifier.verify(token, NOW);
  } catch (error) {
    if (error instanceof OpenRazError) return { code: error.code, claim: error.details.claim, message: error.message };
    throw error;
  }
  return { code: 'accepted' };
}

/**
 * Finds the token in `text`. Returns the first 16-character slice of the token, or decoded
 * header or claim value of 8 or more characters, that `text` contains, or else undefined.
 */
function findTokenFragment(text: string, token: string): string | undefined {
  const width = 16;
  for (let start = 0; start + width <= token.length; start++) {
    const piece = token.slice(start, start + width);
    if (text.includes(piece)) return piece;
  }
  for (const segment of token.split('.').slice(0, 2)) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    } catch {
      continue;
    }
    if (typeof decoded !== 'object' || decoded === null) continue;
    for (const value of Object.values(decoded)) {
      const valueText = String(value);
      if (valueText.length >= 8 && text.includes(valueText)) return valueText;
    }
  }
  return undefined;
}

const SIGN_BODY = JSON.stringify({ operation: 'GetObject', bucket: 'bkt', key: 'data/x' });

interface SignResult {
  statusCode: number;
  code?: string;
  claim?: string;
  body: string;
}

async function sign(token: string): Promise<SignResult> {
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: SIGN_BODY,
  });
  const body = response.json() as { code?: string; claim?: string };
  return { statusCode: response.statusCode, code: body.code, claim: body.claim, body: response.body };
}

/** Checks that neither the response body nor the service log shows the token. */
function checkNoEcho(t: Test, body: string, token: string, name: string): void {
  t.equal(findTokenFragment(body, token), undefined, `${name}: the body shows no part of the token`);
  t.equal(findTokenFragment(service.logText(), token), undefined, `${name}: the log shows no part of the token`);
}

/**
 * Checks one token on the verifier and through POST /v1/sign: the code and claim, a 401 for
 * a rejection or a 200 for `accepted`, and no echo of the token.
 */
async function checkToken(t: Test, name: string, token: string, expected: Outcome): Promise<void> {
  const outcome = await outcomeOf(verifier, token);
  t.equal(outcome.code, expected.code, `${name}: verifier code`);
  t.equal(outcome.claim, expected.claim, `${name}: verifier claim`);

  const result = await sign(token);
  if (expected.code === 'accepted') {
    t.equal(result.statusCode, 200, `${name}: status`);
    return;
  }
  t.equal(result.statusCode, 401, `${name}: status`);
  t.equal(result.code, expected.code, `${name}: response code`);
  t.equal(result.claim, expected.claim, `${name}: response claim`);
  checkNoEcho(t, result.body, token, name);
}

/**
 * Signs a token for alice that is exactly `length` characters long. The padding goes into a
 * claim and a header parameter, because no base64url segment is 1 modulo 4 characters long.
 */
async function signTokenOfLength(length: number): Promise<string> {
  const claims = { sub: 'alice', iss: ISSUER, aud: AUDIENCE, iat: NOW_SECONDS - 10, exp: NOW_SECONDS + 300 };
  const signPadded = (headerPadding: number, claimPadding: number): Promise<string> =>
    new SignJWT({ ...claims, pad: 'x'.repeat(claimPadding) })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', pad: 'x'.repeat(headerPadding) })
      .sign(keys.privateKey);

  for (let headerPadding = 0; headerPadding < 4; headerPadding++) {
    const base = (await signPadded(headerPadding, 0)).length;
    // Each padding byte adds 4/3 base64url characters.
    const estimate = Math.floor(((length - base) * 3) / 4);
    for (let claimPadding = Math.max(0, estimate - 2); claimPadding <= estimate + 2; claimPadding++) {
      const token = await signPadded(headerPadding, claimPadding);
      if (token.length === length) return token;
    }
  }
  throw new Error(`no padding gives a token of ${length} characters`);
}

t.test('echo check finds fragments', async (t) => {
  const token = await signToken(keys, { sub: 'alice', iss: 'https://evil.test' });
  t.equal(findTokenFragment(`{"message":"bad token ${token.slice(40, 60)}"}`, token), token.slice(40, 56), 'a piece of the token');
  t.equal(findTokenFragment('{"message":"issuer https://evil.test"}', token), 'https://evil.test', 'a decoded claim value');
  t.equal(findTokenFragment('{"message":"The token issuer is wrong."}', token), undefined, 'no fragment');
});

t.test('algorithms outside the configured list', async (t) => {
  const trustedKey = KeyObject.from(keys.privateKey);
  const es256 = await generateKeyPair('ES256');
  const claims = { sub: 'alice', iss: ISSUER, aud: AUDIENCE, iat: NOW_SECONDS - 10, exp: NOW_SECONDS + 300 };
  const cases: [name: string, token: string][] = [
    ['PS256 with the trusted RSA key', await new SignJWT(claims).setProtectedHeader({ alg: 'PS256', kid: 'k1' }).sign(trustedKey)],
    ['RS384 with the trusted RSA key', await new SignJWT(claims).setProtectedHeader({ alg: 'RS384', kid: 'k1' }).sign(trustedKey)],
    ['ES256 with another key', await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(es256.privateKey)],
  ];
  for (const [name, token] of cases) {
    await checkToken(t, name, token, { code: 'ERR_AUTH_ALGORITHM_NOT_ALLOWED' });
  }
});

t.test('time claims at their limits', async (t) => {
  const cases: [name: string, claims: Record<string, unknown>, expected: Outcome][] = [
    ['nbf at the tolerance', { nbf: NOW_SECONDS + CLOCK_TOLERANCE_SECONDS }, { code: 'accepted' }],
    ['nbf beyond the tolerance', { nbf: NOW_SECONDS + CLOCK_TOLERANCE_SECONDS + 1 }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'nbf' }],
    ['nbf as a string', { nbf: String(NOW_SECONDS) }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'nbf' }],
    ['exp within the tolerance', { exp: NOW_SECONDS - CLOCK_TOLERANCE_SECONDS + 1 }, { code: 'accepted' }],
    ['exp at the tolerance', { exp: NOW_SECONDS - CLOCK_TOLERANCE_SECONDS }, { code: 'ERR_AUTH_TOKEN_EXPIRED', claim: 'exp' }],
    ['exp long past', { exp: NOW_SECONDS - 86_400 }, { code: 'ERR_AUTH_TOKEN_EXPIRED', claim: 'exp' }],
    ['exp missing', { exp: undefined }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'exp' }],
    ['exp as a string', { exp: String(NOW_SECONDS + 300) }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'exp' }],
    ['exp as null', { exp: null }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'exp' }],
    ['iat at the max age', { iat: NOW_SECONDS - MAX_TOKEN_AGE_SECONDS - CLOCK_TOLERANCE_SECONDS }, { code: 'accepted' }],
    ['iat beyond the max age', { iat: NOW_SECONDS - MAX_TOKEN_AGE_SECONDS - CLOCK_TOLERANCE_SECONDS - 1 }, { code: 'ERR_AUTH_TOKEN_EXPIRED', claim: 'iat' }],
    ['iat missing with a max age', { iat: undefined }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iat' }],
    ['iat beyond the tolerance ahead', { iat: NOW_SECONDS + CLOCK_TOLERANCE_SECONDS + 1 }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iat' }],
    ['iat as a string', { iat: String(NOW_SECONDS) }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iat' }],
  ];
  for (const [name, claims, expected] of cases) {
    await checkToken(t, name, await signToken(keys, { sub: 'alice', ...claims }), expected);
  }
});

t.test('token older than the max age', async (t) => {
  const outcome = await outcomeOf(verifier, await signToken(keys, { sub: 'alice', iat: NOW_SECONDS - 3600 }));
  t.equal(outcome.code, 'ERR_AUTH_TOKEN_EXPIRED', 'code');
  t.match(outcome.message, /older than this service accepts/, 'the message says the token is too old, not expired');
});

t.test('issuer and audience', async (t) => {
  const cases: [name: string, claims: Record<string, unknown>, expected: Outcome][] = [
    ['iss wrong', { iss: 'https://evil.test' }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iss' }],
    ['iss with a trailing slash', { iss: `${ISSUER}/` }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iss' }],
    ['iss in upper case', { iss: ISSUER.toUpperCase() }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iss' }],
    ['iss as an array', { iss: [ISSUER] }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iss' }],
    ['iss empty', { iss: '' }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iss' }],
    ['iss missing', { iss: undefined }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'iss' }],
    ['aud string', { aud: AUDIENCE }, { code: 'accepted' }],
    ['aud second configured audience', { aud: SECOND_AUDIENCE }, { code: 'accepted' }],
    ['aud array with ours', { aud: ['https://other.test', AUDIENCE] }, { code: 'accepted' }],
    ['aud string wrong', { aud: 'https://other.test' }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'aud' }],
    ['aud string in upper case', { aud: AUDIENCE.toUpperCase() }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'aud' }],
    ['aud array without ours', { aud: ['https://other.test', 'https://third.test'] }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'aud' }],
    ['aud empty array', { aud: [] }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'aud' }],
    ['aud as a number', { aud: 1 }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'aud' }],
    ['aud as an object', { aud: { [AUDIENCE]: true } }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'aud' }],
    ['aud missing', { aud: undefined }, { code: 'ERR_AUTH_CLAIM_INVALID', claim: 'aud' }],
  ];
  for (const [name, claims, expected] of cases) {
    await checkToken(t, name, await signToken(keys, { sub: 'alice', ...claims }), expected);
  }
});

t.test('token length limit', async (t) => {
  const longest = await signTokenOfLength(MAX_TOKEN_LENGTH);
  t.equal((await outcomeOf(verifier, longest)).code, 'accepted', `a token of ${MAX_TOKEN_LENGTH} characters`);
  t.equal((await sign(longest)).statusCode, 200, `a token of ${MAX_TOKEN_LENGTH} characters over HTTP`);

  const tooLong = await signTokenOfLength(MAX_TOKEN_LENGTH + 1);
  await checkToken(t, `a token of ${MAX_TOKEN_LENGTH + 1} characters`, tooLong, { code: 'ERR_AUTH_TOKEN_MALFORMED' });

  // inject() does not apply Node's header size limit, so this reaches the verifier.
  const huge = await signTokenOfLength(20_000);
  await checkToken(t, 'a token of 20000 characters through inject', huge, { code: 'ERR_AUTH_TOKEN_MALFORMED' });
});

t.test('oversized Authorization header on a socket', async (t) => {
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = service.app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/v1/sign`;
  const post = (token: string) => sendRaw('POST', url, SIGN_BODY, { authorization: `Bearer ${token}`, 'content-type': 'application/json' });

  // Node's default limit for all request headers together is 16 KiB.
  const overLimit = await signTokenOfLength(20_000);
  const rejected = await post(overLimit);
  t.equal(rejected.status, 431, 'a 20 KB header: status');
  checkNoEcho(t, rejected.body.toString('utf8'), overLimit, 'a 20 KB header');

  const underLimit = await signTokenOfLength(12_000);
  const malformed = await post(underLimit);
  t.equal(malformed.status, 401, 'a 12 KB header: status');
  t.equal((JSON.parse(malformed.body.toString('utf8')) as { code?: string }).code, 'ERR_AUTH_TOKEN_MALFORMED', 'a 12 KB header: code');
  checkNoEcho(t, malformed.body.toString('utf8'), underLimit, 'a 12 KB header');

  // A header far over the limit may be cut off while it is still being sent.
  const outcome = await post('a'.repeat(1_000_000)).then(
    (response) => String(response.status),
    (error: NodeJS.ErrnoException) => error.code ?? 'unknown error',
  );
  t.ok(['431', 'ECONNRESET', 'EPIPE'].includes(outcome), `a 1 MB header: 431 or a closed connection (got ${outcome})`);

  t.equal((await post(await signToken(keys, { sub: 'alice' }))).status, 200, 'the service still signs afterwards');
});

t.test('clock tolerance bounded at startup', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-tolerance-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const document = (clockToleranceSeconds: unknown) => ({
    jwt: { issuer: ISSUER, audience: [AUDIENCE], algorithms: ['RS256'], jwksFile: keys.jwksFile, clockToleranceSeconds },
  });
  for (const value of [301, Number.POSITIVE_INFINITY, Number.NaN, -1, 30.5, '30']) {
    const problems = (() => {
      try {
        validateConfigDocument(document(value), 'test', {});
        return [];
      } catch (error) {
        if (error instanceof LoadError) return error.problems.map((problem) => problem.pointer);
        throw error;
      }
    })();
    t.same(problems, ['/jwt/clockToleranceSeconds'], `clockToleranceSeconds ${String(value)} is rejected`);
  }

  const atMaximum = await createTokenVerifier(jwtConfig({ clockToleranceSeconds: 300 }));
  t.equal((await outcomeOf(atMaximum, await signToken(keys, { sub: 'alice', exp: NOW_SECONDS - 299 }))).code, 'accepted', 'tolerance 300: expired 299 s ago');
  t.equal((await outcomeOf(atMaximum, await signToken(keys, { sub: 'alice', exp: NOW_SECONDS - 300 }))).code, 'ERR_AUTH_TOKEN_EXPIRED', 'tolerance 300: expired 300 s ago');

  // The real command line: a rejected setting stops `openraz serve` before it listens.
  const env = { OPENRAZ_HOST: '127.0.0.1', OPENRAZ_PORT: '0', OPENRAZ_JWT_ISSUER: ISSUER, OPENRAZ_JWT_AUDIENCE: AUDIENCE, OPENRAZ_JWT_ALGORITHMS: 'RS256', OPENRAZ_JWT_JWKS_FILE: keys.jwksFile };
  const fromVariable = await runCli(['serve'], { ...env, OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS: '301' });
  t.equal(fromVariable.code, 1, 'OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS=301: exit code');
  t.match(fromVariable.stderr, /OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS#\/jwt\/clockToleranceSeconds/, 'OPENRAZ_JWT_CLOCK_TOLERANCE_SECONDS=301: the problem names the variable');

  const configFile = path.join(dir, 'openraz.yaml');
  await writeFile(configFile, 'jwt:\n  clockToleranceSeconds: .inf\n');
  const fromFile = await runCli(['serve', '--config', configFile], env);
  t.equal(fromFile.code, 1, 'clockToleranceSeconds: .inf in YAML: exit code');
  t.match(fromFile.stderr, /\/jwt\/clockToleranceSeconds/, 'clockToleranceSeconds: .inf in YAML: the problem names the setting');
});
