import { createHmac } from 'node:crypto';
import { rm } from 'node:fs/promises';
import t from 'tap';
import { createTokenVerifier, extractBearerToken } from '../../src/auth/index.js';
import { validateConfigDocument, type Config } from '../../src/config/index.js';
import { OpenRazError } from '../../src/errors/index.js';
import { AUDIENCE, ISSUER, NOW, NOW_SECONDS, createTestKeys, signToken } from '../fixtures/tokens.js';

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

function jwtConfig(jwt: Record<string, unknown>): Config['jwt'] {
  return validateConfigDocument({ jwt: { issuer: ISSUER, audience: [AUDIENCE], algorithms: ['RS256'], jwksFile: keys.jwksFile, ...jwt } }, 'test', {}).jwt;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OpenRazError) return error.code;
    throw error;
  }
  return 'accepted';
}

t.test('valid token gives user and groups', async (t) => {
  const verifier = await createTokenVerifier(jwtConfig({}));
  const token = await signToken(keys, { sub: 'alice', groups: ['analysts'], jti: 'id-1' });
  const verified = await verifier.verify(token, NOW);
  t.equal(verified.user, 'alice');
  t.same(verified.groups, ['analysts']);
  t.equal(verified.tokenId, 'id-1');
  t.equal(verified.expiresAt.toISOString(), new Date((NOW_SECONDS + 300) * 1000).toISOString());
});

t.test('algorithm attacks', async (t) => {
  const verifier = await createTokenVerifier(jwtConfig({}));
  const claims = base64url(JSON.stringify({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 300 }));

  const none = `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${claims}.`;
  t.equal(await codeOf(verifier.verify(none, NOW)), 'ERR_AUTH_ALGORITHM_NOT_ALLOWED', 'alg none');

  const hsHeader = base64url(JSON.stringify({ alg: 'HS256', kid: 'k1' }));
  const mac = createHmac('sha256', keys.publicPem).update(`${hsHeader}.${claims}`).digest('base64url');
  t.equal(await codeOf(verifier.verify(`${hsHeader}.${claims}.${mac}`, NOW)), 'ERR_AUTH_ALGORITHM_NOT_ALLOWED', 'HS256 signed with the public key');

  const pemVerifier = await createTokenVerifier(jwtConfig({ jwksFile: undefined, publicKeyFile: keys.publicKeyFile }));
  t.equal(await codeOf(pemVerifier.verify(`${hsHeader}.${claims}.${mac}`, NOW)), 'ERR_AUTH_ALGORITHM_NOT_ALLOWED', 'HS256 against a PEM key');
  t.equal((await pemVerifier.verify(await signToken(keys, { sub: 'alice' }), NOW)).user, 'alice', 'RS256 against the PEM key');
});

t.test('claim checks', async (t) => {
  const verifier = await createTokenVerifier(jwtConfig({ clockToleranceSeconds: 30 }));
  const cases: [name: string, claims: Record<string, unknown>, expected: string][] = [
    ['no exp', { sub: 'a', exp: undefined }, 'ERR_AUTH_CLAIM_INVALID'],
    ['expired beyond tolerance', { sub: 'a', exp: NOW_SECONDS - 31 }, 'ERR_AUTH_TOKEN_EXPIRED'],
    ['expired within tolerance', { sub: 'a', exp: NOW_SECONDS - 29 }, 'accepted'],
    ['aud as array', { sub: 'a', aud: ['other', AUDIENCE] }, 'accepted'],
    ['aud as string', { sub: 'a', aud: AUDIENCE }, 'accepted'],
    ['no aud', { sub: 'a', aud: undefined }, 'ERR_AUTH_CLAIM_INVALID'],
    ['wrong aud', { sub: 'a', aud: 'other' }, 'ERR_AUTH_CLAIM_INVALID'],
    ['wrong iss', { sub: 'a', iss: 'https://evil.test' }, 'ERR_AUTH_CLAIM_INVALID'],
    ['no iss', { sub: 'a', iss: undefined }, 'ERR_AUTH_CLAIM_INVALID'],
    ['nbf 20 s ahead', { sub: 'a', nbf: NOW_SECONDS + 20 }, 'accepted'],
    ['nbf 60 s ahead', { sub: 'a', nbf: NOW_SECONDS + 60 }, 'ERR_AUTH_CLAIM_INVALID'],
    ['no sub', { sub: undefined }, 'ERR_AUTH_CLAIM_INVALID'],
    ['groups not an array', { sub: 'a', groups: 'analysts' }, 'ERR_AUTH_CLAIM_INVALID'],
  ];
  for (const [name, claims, expected] of cases) {
    t.equal(await codeOf(verifier.verify(await signToken(keys, claims), NOW)), expected, name);
  }
});

t.test('maximum token age', async (t) => {
  const verifier = await createTokenVerifier(jwtConfig({ maxTokenAgeSeconds: 60 }));
  t.equal(await codeOf(verifier.verify(await signToken(keys, { sub: 'a', iat: NOW_SECONDS - 120 }), NOW)), 'ERR_AUTH_TOKEN_EXPIRED');
  t.equal(await codeOf(verifier.verify(await signToken(keys, { sub: 'a' }), NOW)), 'accepted');
});

t.test('signature, kid and shape', async (t) => {
  const verifier = await createTokenVerifier(jwtConfig({}));
  const token = await signToken(keys, { sub: 'a' });
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const forged = base64url(JSON.stringify({ sub: 'admin', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 300 }));
  t.equal(await codeOf(verifier.verify(`${header}.${forged}.${signature}`, NOW)), 'ERR_AUTH_SIGNATURE_INVALID', 'changed payload');
  t.equal(await codeOf(verifier.verify(await signToken(keys, { sub: 'a' }, { kid: 'unknown' }), NOW)), 'ERR_AUTH_KEY_NOT_FOUND', 'unknown kid');
  t.equal(await codeOf(verifier.verify(`${header}.${payload}`, NOW)), 'ERR_AUTH_TOKEN_MALFORMED', 'two parts');
  t.equal(await codeOf(verifier.verify('a'.repeat(9000), NOW)), 'ERR_AUTH_TOKEN_MALFORMED', 'oversized');
  t.equal(await codeOf(verifier.verify(`${header}.!!!.${signature}`, NOW)), 'ERR_AUTH_TOKEN_MALFORMED', 'not base64url');
});

t.test('HMAC secrets for development', async (t) => {
  const { writeFile } = await import('node:fs/promises');
  const secretFile = `${keys.dir}/secret`;
  await writeFile(secretFile, 'x'.repeat(40) + '\n');
  const verifier = await createTokenVerifier(jwtConfig({ jwksFile: undefined, secretFile, algorithms: ['HS256'] }));
  const { SignJWT } = await import('jose');
  const token = await new SignJWT({ sub: 'dev', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 60 })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode('x'.repeat(40)));
  t.equal((await verifier.verify(token, NOW)).user, 'dev');

  await writeFile(secretFile, 'short');
  await t.rejects(createTokenVerifier(jwtConfig({ jwksFile: undefined, secretFile, algorithms: ['HS256'] })), /at least 32/);
});

t.test('bearer header parsing', async (t) => {
  t.equal(extractBearerToken('Bearer abc.def.ghi'), 'abc.def.ghi');
  t.equal(extractBearerToken('bearer abc.def.ghi'), 'abc.def.ghi');
  for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a b']) {
    t.throws(() => extractBearerToken(header), { code: 'ERR_AUTH_TOKEN_MISSING' }, String(header));
  }
});

t.test('key files must fit the algorithms', async (t) => {
  const { generateKeyPair, exportSPKI, exportPKCS8, exportJWK } = await import('jose');
  const { writeFile } = await import('node:fs/promises');
  const ec = await generateKeyPair('ES256', { extractable: true });
  const ecPem = `${keys.dir}/ec.pem`;
  await writeFile(ecPem, await exportSPKI(ec.publicKey));
  await t.rejects(createTokenVerifier(jwtConfig({ jwksFile: undefined, publicKeyFile: ecPem })), /EC prime256v1 key, which cannot verify RS256/);
  t.equal(typeof (await createTokenVerifier(jwtConfig({ jwksFile: undefined, publicKeyFile: ecPem, algorithms: ['ES256'] }))).verify, 'function');

  const privatePem = `${keys.dir}/private.pem`;
  await writeFile(privatePem, await exportPKCS8(ec.privateKey));
  await t.rejects(createTokenVerifier(jwtConfig({ jwksFile: undefined, publicKeyFile: privatePem, algorithms: ['ES256'] })), /contains a private key/);

  await t.rejects(createTokenVerifier(jwtConfig({ jwksFile: undefined, publicKeyFile: `${keys.dir}/missing.pem` })), /^jwt\.publicKeyFile \(.*missing\.pem\): ENOENT/);

  const ecJwks = `${keys.dir}/ec-jwks.json`;
  await writeFile(ecJwks, JSON.stringify({ keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'e1' }] }));
  await t.rejects(createTokenVerifier(jwtConfig({ jwksFile: ecJwks })), /has no key for RS256/);
  const empty = `${keys.dir}/empty-jwks.json`;
  await writeFile(empty, JSON.stringify({ keys: [] }));
  await t.rejects(createTokenVerifier(jwtConfig({ jwksFile: empty })), /has no keys/);
});
