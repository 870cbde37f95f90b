import { randomUUID } from 'node:crypto';
import { rm, readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import t, { type Test } from 'tap';
import { createTokenVerifier, type TokenVerifier } from '../../src/auth/index.js';
import { validateConfigDocument, type Config } from '../../src/config/index.js';
import { OpenRazError } from '../../src/errors/index.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { AUDIENCE, ISSUER, NOW, NOW_SECONDS, createTestKeys, signToken, type TestKeys } from '../fixtures/tokens.js';

// A remote JWKS served by a real node:http server on 127.0.0.1. jose times the JWKS cooldown
// and cache age with the real clock (Date.now). So the tests that need a window to pass use
// one-second windows and sleep, while token times stay pinned to NOW.

/** A cooldown and cache age short enough to wait out in a test, in milliseconds. */
const SHORT_WINDOW_MS = 1000;
/** A sleep that outlasts SHORT_WINDOW_MS. */
const PAST_SHORT_WINDOW_MS = 1200;
/** How long the slow JWKS endpoint waits, far longer than the 200 ms timeout the tests set. */
const SLOW_RESPONSE_MS = 5000;

type Behaviour = 'serve' | 'fail' | 'html' | 'slow-headers' | 'slow-body';

interface JwksServer {
  url: string;
  /** Requests received since the server started. */
  requestCount(): number;
  publish(keys: JWK[]): void;
  /** Sets the response to the following requests: the key set, HTTP 500, an HTML page, or a stall. */
  behave(behaviour: Behaviour): void;
  /** Stops listening and drops open connections, so fetches are refused. Idempotent. */
  stop(): Promise<void>;
}

async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let published = keys;
  let behaviour: Behaviour = 'serve';
  let requests = 0;
  let stopped = false;

  const stall = (response: ServerResponse, finish: () => void): void => {
    const timer = setTimeout(finish, SLOW_RESPONSE_MS);
    response.on('close', () => clearTimeout(timer));
  };
  const server = createServer((_request, response) => {
    requests++;
    const body = JSON.stringify({ keys: published });
    switch (behaviour) {
      case 'fail':
        response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case 'html':
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>sign in</body></html>');
        return;
      case 'slow-headers':
        stall(response, () => response.writeHead(200, { 'content-type': 'application/json' }).end(body));
        return;
      case 'slow-body':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write(body.slice(0, 10));
        stall(response, () => response.end(body.slice(10)));
        return;
      case 'serve':
        response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    requestCount: () => requests,
    publish: (next) => {
      published = next;
    },
    behave: (next) => {
      behaviour = next;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

const k1Keys = await createTestKeys();
t.teardown(() => rm(k1Keys.dir, { recursive: true, force: true }));
const k1Jwk = (JSON.parse(await readFile(k1Keys.jwksFile, 'utf8')) as { keys: JWK[] }).keys[0]!;

const k2Pair = await generateKeyPair('RS256', { extractable: true });
const k2Jwk: JWK = { ...(await exportJWK(k2Pair.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
/** The k2 private key in the shape signToken takes. */
const k2Keys: TestKeys = { ...k1Keys, privateKey: k2Pair.privateKey };

const tokenK1 = await signToken(k1Keys, { sub: 'alice' });
const tokenK2 = await signToken(k2Keys, { sub: 'alice' }, { kid: 'k2' });

function jwtConfig(jwksUrl: string, jwt: Record<string, unknown> = {}): Config['jwt'] {
  const document = { jwt: { issuer: ISSUER, audience: [AUDIENCE], algorithms: ['RS256'], jwksUrl, ...jwt } };
  return validateConfigDocument(document, 'test', {}).jwt;
}

/** Verifies at NOW and returns the error code, or `accepted`. */
async function codeOf(verifier: TokenVerifier, token: string): Promise<string> {
  try {
    await verifier.verify(token, NOW);
  } catch (error) {
    if (error instanceof OpenRazError) return error.code;
    throw error;
  }
  return 'accepted';
}

/** Signs a token for alice with k1 under a kid that no key set contains. */
function tokenWithUnknownKid(): Promise<string> {
  return signToken(k1Keys, { sub: 'alice' }, { kid: randomUUID() });
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
    for (const value of Object.values(decoded as Record<string, unknown>)) {
      const valueText = String(value);
      if (valueText.length >= 8 && text.includes(valueText)) return valueText;
    }
  }
  return undefined;
}

interface SignResult {
  statusCode: number;
  code?: string;
  body: string;
}

async function sign(service: TestService, token: string): Promise<SignResult> {
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { operation: 'GetObject', bucket: 'bkt', key: 'data/x' },
  });
  return { statusCode: response.statusCode, code: (response.json() as { code?: string }).code, body: response.body };
}

const ALICE_READS_DATA = {
  id: 1,
  name: 'alice reads data/',
  resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
  policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }] }],
};

async function startJwksService(t: Test, jwksUrl: string, jwt: Record<string, unknown>): Promise<TestService> {
  const service = await startTestService({
    keys: k1Keys,
    policies: [ALICE_READS_DATA],
    config: { jwt: { jwksFile: undefined, jwksUrl, ...jwt } },
  });
  t.teardown(() => service.close());
  return service;
}

/** Checks a rejected response: status, code, and that neither body nor log shows the token. */
function checkRejected(t: Test, service: TestService, result: SignResult, token: string, expected: { statusCode: number; code: string }, name: string): void {
  t.equal(result.statusCode, expected.statusCode, `${name}: status`);
  t.equal(result.code, expected.code, `${name}: code`);
  t.equal(findTokenFragment(result.body, token), undefined, `${name}: the body shows no part of the token`);
  t.equal(findTokenFragment(service.logText(), token), undefined, `${name}: the log shows no part of the token`);
}

t.test('echo check finds fragments', async (t) => {
  const token = await tokenWithUnknownKid();
  t.equal(findTokenFragment(`{"message":"bad token ${token.slice(40, 60)}"}`, token), token.slice(40, 56), 'a piece of the token');
  const kid = (JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { kid: string }).kid;
  t.equal(findTokenFragment(`{"message":"unknown kid ${kid}"}`, token), kid, 'a decoded header value');
  t.equal(findTokenFragment('{"message":"No trusted key matches."}', token), undefined, 'no fragment');
});

t.test('rotation with the old key removed', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const verifier = await createTokenVerifier(jwtConfig(server.url, { jwksCooldownMs: SHORT_WINDOW_MS }));

  t.equal(await codeOf(verifier, tokenK1), 'accepted', 'k1 token before the rotation');
  t.equal(server.requestCount(), 1, 'the first token fetches the key set');
  t.equal(await codeOf(verifier, tokenK1), 'accepted', 'k1 token again');
  t.equal(server.requestCount(), 1, 'a known kid does not fetch');

  server.publish([k2Jwk]);
  t.equal(await codeOf(verifier, tokenK2), 'ERR_AUTH_KEY_NOT_FOUND', 'k2 token within the cooldown after the last fetch');
  t.equal(server.requestCount(), 1, 'no fetch within the cooldown');

  await sleep(PAST_SHORT_WINDOW_MS);
  t.equal(await codeOf(verifier, tokenK2), 'accepted', 'k2 token after the cooldown');
  t.equal(server.requestCount(), 2, 'exactly one refetch');
  t.equal(await codeOf(verifier, tokenK2), 'accepted', 'k2 token again');
  t.equal(await codeOf(verifier, tokenK1), 'ERR_AUTH_KEY_NOT_FOUND', 'k1 token once k1 is no longer published');
  t.equal(server.requestCount(), 2, 'no further fetch');
});

t.test('rotation with the old key kept', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const verifier = await createTokenVerifier(jwtConfig(server.url, { jwksCooldownMs: SHORT_WINDOW_MS }));

  t.equal(await codeOf(verifier, tokenK1), 'accepted', 'k1 token before the rotation');
  await sleep(PAST_SHORT_WINDOW_MS);
  server.publish([k1Jwk, k2Jwk]);

  t.equal(await codeOf(verifier, tokenK2), 'accepted', 'k2 token');
  t.equal(server.requestCount(), 2, 'exactly one refetch');
  t.equal(await codeOf(verifier, tokenK1), 'accepted', 'k1 token still verifies');
  t.equal(await codeOf(verifier, tokenK2), 'accepted', 'k2 token again');
  t.equal(server.requestCount(), 2, 'no further fetch');

  // With two RS256 keys, a token without a kid matches both; jose does not try each one.
  const noKid = await new SignJWT({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 300 }).setProtectedHeader({ alg: 'RS256' }).sign(k1Keys.privateKey);
  t.equal(await codeOf(verifier, noKid), 'ERR_AUTH_KEY_NOT_FOUND', 'token without a kid while two keys are published');
});

t.test('rotation over HTTP', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const service = await startJwksService(t, server.url, { jwksCooldownMs: SHORT_WINDOW_MS });

  t.equal((await sign(service, tokenK1)).statusCode, 200, 'k1 token signs');
  server.publish([k2Jwk]);
  await sleep(PAST_SHORT_WINDOW_MS);
  t.equal((await sign(service, tokenK2)).statusCode, 200, 'k2 token signs after the rotation');
  t.equal(server.requestCount(), 2, 'exactly one refetch');
  checkRejected(t, service, await sign(service, tokenK1), tokenK1, { statusCode: 401, code: 'ERR_AUTH_KEY_NOT_FOUND' }, 'k1 token after k1 is removed');
});

t.test('unknown kids within the cooldown', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const service = await startJwksService(t, server.url, { jwksCooldownMs: 30_000 });

  t.equal((await sign(service, tokenK1)).statusCode, 200, 'k1 token signs');
  t.equal(server.requestCount(), 1, 'one fetch');

  const tokens = await Promise.all(Array.from({ length: 100 }, tokenWithUnknownKid));
  const results = await Promise.all(tokens.map((token) => sign(service, token)));
  for (const [index, result] of results.entries()) {
    checkRejected(t, service, result, tokens[index]!, { statusCode: 401, code: 'ERR_AUTH_KEY_NOT_FOUND' }, `unknown kid ${index}`);
  }
  t.equal(server.requestCount(), 1, '100 unknown kids fetch nothing within the cooldown');
});

t.test('unknown kids fetch once per cooldown window', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const verifier = await createTokenVerifier(jwtConfig(server.url, { jwksCooldownMs: SHORT_WINDOW_MS }));
  const storm = async (): Promise<string[]> => Promise.all((await Promise.all(Array.from({ length: 100 }, tokenWithUnknownKid))).map((token) => codeOf(verifier, token)));

  const cold = await storm();
  t.same(new Set(cold), new Set(['ERR_AUTH_KEY_NOT_FOUND']), 'a storm before any fetch: every token rejected');
  t.equal(server.requestCount(), 1, 'a storm before any fetch: one fetch');

  await sleep(PAST_SHORT_WINDOW_MS);
  const warm = await storm();
  t.same(new Set(warm), new Set(['ERR_AUTH_KEY_NOT_FOUND']), 'a storm after the cooldown: every token rejected');
  t.equal(server.requestCount(), 2, 'a storm after the cooldown: one more fetch');
  t.equal(await codeOf(verifier, tokenK1), 'accepted', 'k1 token still verifies');
});

t.test('algorithm outside the list fetches nothing', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const verifier = await createTokenVerifier(jwtConfig(server.url));
  const es256 = await generateKeyPair('ES256');
  const token = await new SignJWT({ sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: NOW_SECONDS + 300 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(es256.privateKey);

  t.equal(await codeOf(verifier, token), 'ERR_AUTH_ALGORITHM_NOT_ALLOWED', 'ES256 token while only RS256 is configured');
  t.equal(server.requestCount(), 0, 'the algorithm is checked before the key set is fetched');
});

t.test('JWKS answering 500', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const service = await startJwksService(t, server.url, { jwksCooldownMs: SHORT_WINDOW_MS, jwksCacheMaxAgeMs: 60_000 });

  t.equal((await sign(service, tokenK1)).statusCode, 200, 'k1 token signs while the endpoint is up');
  server.behave('fail');
  await sleep(PAST_SHORT_WINDOW_MS);

  t.equal((await sign(service, tokenK1)).statusCode, 200, 'a cached key keeps working');
  t.equal(server.requestCount(), 1, 'a cached key does not fetch');

  // The key set could not be refreshed, so an unknown kid may belong to a key the issuer has
  // just published. 503 tells the caller to retry, whereas 401 would mark the token as bad.
  const first = await tokenWithUnknownKid();
  checkRejected(t, service, await sign(service, first), first, { statusCode: 503, code: 'ERR_AUTH_JWKS_UNAVAILABLE' }, 'unknown kid during the outage');
  t.equal(server.requestCount(), 2, 'the unknown kid tries one fetch');

  for (let i = 0; i < 20; i++) {
    const token = await tokenWithUnknownKid();
    checkRejected(t, service, await sign(service, token), token, { statusCode: 503, code: 'ERR_AUTH_JWKS_UNAVAILABLE' }, `unknown kid ${i} after the failed fetch`);
  }
  t.equal(server.requestCount(), 2, 'no fetch within the cooldown after a failed fetch');
  t.equal((await sign(service, tokenK1)).statusCode, 200, 'the cached key still works');

  server.behave('serve');
  server.publish([k1Jwk, k2Jwk]);
  await sleep(PAST_SHORT_WINDOW_MS);
  t.equal((await sign(service, tokenK2)).statusCode, 200, 'a new key verifies once the endpoint is back');
  t.equal(server.requestCount(), 3, 'one fetch after the recovery');
});

t.test('JWKS answering an HTML page', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  server.behave('html');
  const verifier = await createTokenVerifier(jwtConfig(server.url, { jwksCooldownMs: 30_000 }));

  t.equal(await codeOf(verifier, tokenK1), 'ERR_AUTH_JWKS_UNAVAILABLE', 'k1 token');
  for (let i = 0; i < 10; i++) await codeOf(verifier, tokenK1);
  t.equal(server.requestCount(), 1, 'no fetch within the cooldown after an invalid key set');
});

t.test('JWKS server down', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const service = await startJwksService(t, server.url, { jwksCooldownMs: SHORT_WINDOW_MS, jwksCacheMaxAgeMs: 60_000 });

  t.equal((await sign(service, tokenK1)).statusCode, 200, 'k1 token signs while the server is up');
  await server.stop();
  await sleep(PAST_SHORT_WINDOW_MS);

  t.equal((await sign(service, tokenK1)).statusCode, 200, 'a cached key keeps working');
  const unknown = await tokenWithUnknownKid();
  checkRejected(t, service, await sign(service, unknown), unknown, { statusCode: 503, code: 'ERR_AUTH_JWKS_UNAVAILABLE' }, 'unknown kid while the server is down');
  t.equal((await sign(service, tokenK1)).statusCode, 200, 'the cached key still works after the failed fetch');
});

t.test('cache older than the max age fails closed', async (t) => {
  // jose refetches a key set older than jwksCacheMaxAgeMs before it uses it, and rejects the
  // token when that fetch fails: a key the issuer removed is trusted at most this long.
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  const verifier = await createTokenVerifier(jwtConfig(server.url, { jwksCooldownMs: SHORT_WINDOW_MS, jwksCacheMaxAgeMs: SHORT_WINDOW_MS }));

  t.equal(await codeOf(verifier, tokenK1), 'accepted', 'k1 token while the endpoint is up');
  server.behave('fail');
  await sleep(PAST_SHORT_WINDOW_MS);

  t.equal(await codeOf(verifier, tokenK1), 'ERR_AUTH_JWKS_UNAVAILABLE', 'k1 token once the cache is too old');
  t.equal(server.requestCount(), 2, 'one fetch tried');
  for (let i = 0; i < 20; i++) await codeOf(verifier, tokenK1);
  t.equal(server.requestCount(), 2, 'no fetch within the cooldown after a failed fetch');

  server.behave('serve');
  await sleep(PAST_SHORT_WINDOW_MS);
  t.equal(await codeOf(verifier, tokenK1), 'accepted', 'k1 token once the endpoint is back');
});

t.test('slow JWKS times out', async (t) => {
  for (const behaviour of ['slow-headers', 'slow-body'] as const) {
    const server = await startJwksServer([k1Jwk]);
    t.teardown(() => server.stop());
    server.behave(behaviour);
    const verifier = await createTokenVerifier(jwtConfig(server.url, { jwksTimeoutMs: 200 }));

    const started = performance.now();
    const codes = await Promise.all(Array.from({ length: 20 }, () => codeOf(verifier, tokenK1)));
    const elapsed = performance.now() - started;

    t.same(new Set(codes), new Set(['ERR_AUTH_JWKS_UNAVAILABLE']), `${behaviour}: every token rejected`);
    t.ok(elapsed < 2000, `${behaviour}: rejected within 2 s (took ${Math.round(elapsed)} ms)`);
    t.equal(server.requestCount(), 1, `${behaviour}: concurrent tokens share one fetch`);
  }
});

t.test('slow JWKS over HTTP', async (t) => {
  const server = await startJwksServer([k1Jwk]);
  t.teardown(() => server.stop());
  server.behave('slow-headers');
  const service = await startJwksService(t, server.url, { jwksTimeoutMs: 200 });

  const started = performance.now();
  const result = await sign(service, tokenK1);
  const elapsed = performance.now() - started;
  checkRejected(t, service, result, tokenK1, { statusCode: 503, code: 'ERR_AUTH_JWKS_UNAVAILABLE' }, 'token while the JWKS is slow');
  t.ok(elapsed < 2000, `rejected within 2 s (took ${Math.round(elapsed)} ms)`);
});
