// Rate limits against the real Redis server that test/fixtures/global-setup.ts starts: two
// services that share one Redis play two replicas of one deployment.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import t from 'tap';
import { createStoreFailureLog, installRateLimit, rateLimitKey } from '../../src/http/rate-limit.js';
import { redisUrl } from '../fixtures/redis.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

const MAX_REQUESTS = 5;
const WINDOW_MS = 10_000;

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const policies = [
  {
    id: 1,
    name: 'everyone reads data',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['data/'], isRecursive: true } },
    policyItems: [{ groups: ['public'], accesses: [{ type: 'read' }] }],
  },
];

// A new prefix per run, so counters of an earlier run, or of another test file that uses
// this Redis, never count here.
const keyPrefix = `openraz-test-${randomUUID()}:`;
const redis = new Redis(redisUrl);
t.teardown(async () => {
  const leftover = await redis.keys(`${keyPrefix}*`);
  if (leftover.length > 0) await redis.del(...leftover);
  await redis.quit();
});

async function startService(config: Record<string, Record<string, unknown>>): Promise<TestService> {
  const service = await startTestService({ keys, policies, config });
  t.teardown(() => service.close());
  return service;
}

const sharedConfig = {
  rateLimit: { maxRequestsPerWindow: MAX_REQUESTS, windowMs: WINDOW_MS },
  redis: { url: redisUrl, keyPrefix },
};
const replicaA = await startService(sharedConfig);
const replicaB = await startService(sharedConfig);

const SIGN_BODY = { operation: 'GetObject', bucket: 'bkt', key: 'data/x.csv' };

async function tokenFor(user: string): Promise<string> {
  return signToken(keys, { sub: user, groups: ['public'] });
}

async function sign(service: TestService, token: string) {
  return service.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${token}` }, payload: SIGN_BODY });
}

t.test('limit shared across replicas', async (t) => {
  const token = await tokenFor('alice');

  for (let i = 0; i < MAX_REQUESTS; i++) {
    const replica = i % 2 === 0 ? replicaA : replicaB;
    const response = await sign(replica, token);
    t.equal(response.statusCode, 200, `request ${i + 1} of ${MAX_REQUESTS} passes`);
  }
  const overA = await sign(replicaA, token);
  t.equal(overA.statusCode, 429, 'the next request on replica A is limited');
  const overB = await sign(replicaB, token);
  t.equal(overB.statusCode, 429, 'the next request on replica B is limited');
});

t.test('429 response body and headers', async (t) => {
  const token = await tokenFor('erin');
  for (let i = 0; i < MAX_REQUESTS; i++) await sign(replicaA, token);

  const response = await sign(replicaB, token);
  t.equal(response.statusCode, 429);
  const body = response.json();
  t.equal(body.statusCode, 429);
  t.equal(body.code, 'ERR_RATE_LIMITED');
  t.equal(body.error, 'Too Many Requests');
  t.match(body.message, /^Too many requests: the limit is 5 per 10 s for each user\. Retry after \d+ s\.$/);
  t.strictSame(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], 'no other fields');

  const retryAfter = Number(response.headers['retry-after']);
  t.ok(Number.isInteger(retryAfter), 'Retry-After is a whole number of seconds');
  t.ok(retryAfter >= 1 && retryAfter <= WINDOW_MS / 1000, `Retry-After ${retryAfter} is within the window`);
  t.match(body.message, `Retry after ${retryAfter} s.`, 'the message gives the same delay');
  t.equal(response.headers['cache-control'], 'no-store');
  t.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  t.match(String(response.headers['content-type']), /^application\/json/);
});

t.test('429 counted in error metrics', async (t) => {
  const token = await tokenFor('frank');
  for (let i = 0; i < MAX_REQUESTS; i++) await sign(replicaA, token);
  const before = await replicaA.metrics.requestErrors.get();
  const countBefore = before.values.find((value) => value.labels.code === 'ERR_RATE_LIMITED')?.value ?? 0;

  t.equal((await sign(replicaA, token)).statusCode, 429);

  const metrics = await replicaA.app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.body, `openraz_request_errors_total{code="ERR_RATE_LIMITED"} ${countBefore + 1}`);
});

t.test('other user not affected', async (t) => {
  const limited = await tokenFor('grace');
  for (let i = 0; i < MAX_REQUESTS; i++) await sign(replicaA, limited);
  t.equal((await sign(replicaA, limited)).statusCode, 429, 'grace is limited');

  const other = await tokenFor('heidi');
  t.equal((await sign(replicaA, other)).statusCode, 200, 'heidi passes on replica A');
  t.equal((await sign(replicaB, other)).statusCode, 200, 'heidi passes on replica B');
});

t.test('sign and authorize share one count', async (t) => {
  const token = await tokenFor('carol');
  for (let i = 0; i < MAX_REQUESTS; i++) await sign(replicaA, token);

  const response = await replicaB.app.inject({
    method: 'POST',
    url: '/v1/authorize',
    headers: { authorization: `Bearer ${token}` },
    payload: SIGN_BODY,
  });
  t.equal(response.statusCode, 429);
  t.equal(response.json().code, 'ERR_RATE_LIMITED');
  t.ok(response.headers['retry-after'], 'Retry-After is sent');
});

t.test('health routes never limited', async (t) => {
  for (const url of ['/healthz', '/readyz', '/metrics']) {
    for (const method of ['GET', 'HEAD'] as const) {
      const statuses = new Set<number>();
      for (let i = 0; i < MAX_REQUESTS * 3; i++) {
        statuses.add((await replicaA.app.inject({ method, url })).statusCode);
      }
      t.strictSame([...statuses], [200], `${method} ${url} always returns 200`);
    }
  }
  t.strictSame(await redis.keys(`${keyPrefix}rate-limit:address:*`), [], 'no counter was created for the client address');
});

t.test('rejected token gets 401, not 429', async (t) => {
  const statuses = new Set<number>();
  for (let i = 0; i < MAX_REQUESTS * 2; i++) {
    statuses.add((await sign(replicaA, 'not.a.token')).statusCode);
  }
  t.strictSame([...statuses], [401], 'authentication runs before the limit');
  t.strictSame(await redis.keys(`${keyPrefix}rate-limit:address:*`), [], 'rejected requests are not counted');
});

t.test('Redis keys carry the prefix', async (t) => {
  const token = await tokenFor('ivan');
  t.equal((await sign(replicaA, token)).statusCode, 200);

  const key = `${keyPrefix}rate-limit:user:ivan`;
  t.equal(await redis.get(key), '1', `${key} counts the request`);
  const ttl = await redis.pttl(key);
  t.ok(ttl > 0 && ttl <= WINDOW_MS, `the key expires with the window (PTTL ${ttl} ms)`);
  const counters = await redis.keys(`${keyPrefix}rate-limit:*`);
  t.ok(counters.includes(key), 'the counter is found under the prefix');
  t.ok(
    counters.every((name) => name.startsWith(`${keyPrefix}rate-limit:user:`)),
    'every rate-limit key of this run counts a user',
  );
  t.equal(await redis.exists('fastify-rate-limit-user:ivan'), 0, 'nothing is stored under the plugin\'s default prefix');
});

t.test('in-memory store limits', async (t) => {
  const config = { rateLimit: { maxRequestsPerWindow: 3, windowMs: WINDOW_MS } };
  const first = await startService(config);
  const second = await startService(config);
  const token = await tokenFor('judy');

  for (let i = 0; i < 3; i++) t.equal((await sign(first, token)).statusCode, 200, `request ${i + 1} of 3 passes`);
  const over = await sign(first, token);
  t.equal(over.statusCode, 429, 'the fourth request is limited');
  t.equal(over.json().code, 'ERR_RATE_LIMITED');
  t.equal((await sign(second, token)).statusCode, 200, 'another process without Redis keeps its own count');
});

t.test('rate limit disabled', async (t) => {
  const service = await startService({ rateLimit: { enabled: false, maxRequestsPerWindow: 1 } });
  const token = await tokenFor('mallory');
  for (let i = 0; i < 3; i++) t.equal((await sign(service, token)).statusCode, 200, `request ${i + 1} passes`);
});

// Built without createService, which also opens the revocation store, and that store does
// not start without Redis. This test covers the rate limit alone.
t.test('Redis outage fails open', async (t) => {
  const closedPort = await findClosedPort();
  const client = new Redis(`redis://127.0.0.1:${closedPort}`, { maxRetriesPerRequest: 2 });
  // The rate limit logs the failure. This listener only stops ioredis from printing each
  // reconnection error to stderr.
  client.on('error', () => {});
  t.teardown(() => client.disconnect());

  let logText = '';
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      logText += String(chunk);
      callback();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream: logStream } });
  t.teardown(() => app.close());
  app.decorateRequest('caller', undefined);
  await app.register(installRateLimit, { maxRequestsPerWindow: 1, windowMs: WINDOW_MS, redis: client, keyPrefix });
  const caller = { user: 'oscar', groups: [], scopes: [], expiresAt: new Date(0) };
  app.get('/v1/ping', {
    onRequest: async (request) => {
      request.caller = caller;
    },
  }, async () => ({ ok: true }));

  for (let i = 0; i < 3; i++) {
    const response = await app.inject({ method: 'GET', url: '/v1/ping' });
    t.equal(response.statusCode, 200, `request ${i + 1} passes without a rate limit`);
  }
  const failureLines = logText.split('\n').filter((line) => line.includes('rate-limit store failed'));
  t.equal(failureLines.length, 1, 'the outage is logged once, not once per request');
  t.match(JSON.parse(failureLines[0]!), { level: 50, unloggedFailures: 0, err: { message: /max retries per request/ } });
});

t.test('rateLimitKey', async (t) => {
  const caller = { user: '10.0.0.1', groups: [], scopes: [], expiresAt: new Date(0) };
  t.equal(rateLimitKey({ caller, ip: '10.0.0.1' } as unknown as FastifyRequest), 'user:10.0.0.1', 'a verified user');
  t.equal(rateLimitKey({ ip: '10.0.0.1' } as FastifyRequest), 'address:10.0.0.1', 'no verified caller');
  t.equal(rateLimitKey({ ip: '::ffff:10.0.0.1' } as FastifyRequest), 'address:10.0.0.1', 'IPv4-mapped IPv6 address');
  t.equal(
    rateLimitKey({ ip: '2001:db8:1:2:aaaa::1' } as FastifyRequest),
    rateLimitKey({ ip: '2001:db8:1:2:bbbb::2' } as FastifyRequest),
    'IPv6 addresses in one /64 share a count',
  );
});

t.test('store failure log', async (t) => {
  let clock = 0;
  const lines: Record<string, unknown>[] = [];
  const log = { error: (fields: Record<string, unknown>) => lines.push(fields) } as unknown as FastifyBaseLogger;
  const logFailure = createStoreFailureLog(60_000, () => clock);
  const error = new Error('connection refused');

  logFailure(log, error);
  t.equal(lines.length, 1, 'the first failure is logged at once');
  t.match(lines[0], { err: error, unloggedFailures: 0 });

  clock = 59_999;
  logFailure(log, error);
  logFailure(log, error);
  t.equal(lines.length, 1, 'failures within the interval are counted, not logged');

  clock = 60_000;
  logFailure(log, error);
  t.equal(lines.length, 2, 'the next failure after the interval is logged');
  t.match(lines[1], { unloggedFailures: 2 });
});

/** Returns a port on 127.0.0.1 that nothing listens on, by binding port 0 and closing it. */
async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('the probe server has no TCP port');
  return address.port;
}
