import { KeyObject, sign as signBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { AUDIENCE, ISSUER, NOW_SECONDS, createTestKeys } from '../fixtures/tokens.js';

// Tokens built byte by byte (jose refuses to sign some of these headers), signed with RS256
// by the trusted key or by an attacker's key. Every one of them must be rejected with 401,
// except the duplicate-name token in the last test, which is valid.
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));
const attacker = await generateKeyPair('RS256', { extractable: true });
const attackerJwk = await exportJWK(attacker.publicKey);

const service = await startTestService({
  keys,
  policies: [
    {
      id: 1,
      name: 'alice and admins read data/',
      resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
      policyItems: [{ users: ['alice', '42'], groups: ['admins'], accesses: [{ type: 'read' }] }],
    },
  ],
});
t.teardown(() => service.close());

const claims = { iss: ISSUER, aud: AUDIENCE, iat: NOW_SECONDS - 10, exp: NOW_SECONDS + 300, sub: 'alice' };
const header = { alg: 'RS256', kid: 'k1' };

/** Signs the exact header and payload texts with RS256, as a compact JWS. */
function signRaw(headerText: string, payloadText: string, key: CryptoKey = keys.privateKey): string {
  const input = `${Buffer.from(headerText).toString('base64url')}.${Buffer.from(payloadText).toString('base64url')}`;
  const signature = signBytes('sha256', Buffer.from(input), KeyObject.from(key));
  return `${input}.${signature.toString('base64url')}`;
}

const signed = (headerFields: object, payload: object = claims, key?: CryptoKey) =>
  signRaw(JSON.stringify(headerFields), JSON.stringify(payload), key);

async function status(token: string): Promise<{ statusCode: number; code?: string }> {
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { operation: 'GetObject', bucket: 'bkt', key: 'data/x' },
  });
  return { statusCode: response.statusCode, code: response.json().code };
}

t.test('control token signs', async (t) => {
  t.equal((await status(signed(header))).statusCode, 200, 'a well-formed token for alice is accepted');
});

t.test('header tricks are rejected', async (t) => {
  const cases: [string, string][] = [
    ['unknown crit extension', signed({ ...header, crit: ['exp'], exp: 1 })],
    ['empty crit list', signed({ ...header, crit: [] })],
    ['unencoded payload (b64: false)', signed({ ...header, b64: false, crit: ['b64'] })],
    ['attacker key embedded as jwk', signed({ alg: 'RS256', jwk: attackerJwk }, claims, attacker.privateKey)],
    ['attacker key embedded as jwk with the trusted kid', signed({ ...header, jwk: attackerJwk }, claims, attacker.privateKey)],
    ['attacker jku and x5u', signed({ ...header, jku: 'http://127.0.0.1:9/jwks.json', x5u: 'http://127.0.0.1:9/cert.pem' }, claims, attacker.privateKey)],
    ['kid path injection', signed({ alg: 'RS256', kid: '../../../dev/null' })],
    ['kid as an object', signed({ alg: 'RS256', kid: { $ne: null } })],
    ['kid __proto__', signed({ alg: 'RS256', kid: '__proto__' })],
    ['alg none without a signature', `${signed({ alg: 'none' }).split('.').slice(0, 2).join('.')}.`],
    ['HS256 keyed with the public key PEM', await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(keys.publicPem))],
  ];
  for (const [name, token] of cases) {
    t.equal((await status(token)).statusCode, 401, name);
  }
});

t.test('claim tricks are rejected', async (t) => {
  const cases: [string, object][] = [
    ['exp as a string', { ...claims, exp: String(NOW_SECONDS + 300) }],
    ['exp missing', { ...claims, exp: undefined }],
    ['nbf far in the future', { ...claims, nbf: NOW_SECONDS + 10 ** 9 }],
    ['nbf as a string', { ...claims, nbf: 'later' }],
    ['iss as an array', { ...claims, iss: [ISSUER] }],
    ['numeric sub that a policy names as a string', { ...claims, sub: 42 }],
    ['empty sub', { ...claims, sub: '' }],
    ['sub only on the prototype', JSON.parse(`{"iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${NOW_SECONDS + 300},"__proto__":{"sub":"alice"}}`) as object],
    ['groups with a number', { ...claims, sub: 'zed', groups: [1, 'admins'] }],
    ['groups as a string', { ...claims, sub: 'zed', groups: 'admins' }],
    ['groups with an object', { ...claims, sub: 'zed', groups: [{ toString: 'admins' }] }],
  ];
  for (const [name, payload] of cases) {
    const result = await status(signed(header, payload));
    t.equal(result.statusCode, 401, `${name}: status`);
  }
});

t.test('duplicate names take the last value everywhere', async (t) => {
  // RFC 7519 allows rejecting or taking the last member. jose takes the last, and so the
  // principal is the last "sub": what matters is that no layer reads another value.
  const token = signRaw('{"alg":"RS256","kid":"k1"}', `{"iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${NOW_SECONDS + 300},"sub":"alice","sub":"mallory"}`);
  t.equal((await status(token)).statusCode, 403, 'the token is for mallory');
  const audit = await service.auditLines();
  t.equal(audit.at(-1)?.user, 'mallory', 'the audit names mallory');
});
