// Two service instances share API blocks through the real Redis server of the test suite
// (test/fixtures/redis.ts). Each test run uses its own key prefix. The second instance
// reaches Redis through a TCP proxy on 127.0.0.1, so a test can cut its connections and let
// them come back.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { Redis } from 'ioredis';
import t from 'tap';
import { redisUrl } from '../fixtures/redis.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

const POLL_TIMEOUT_MS = 2000;

/** Forwards TCP connections to Redis until paused; pausing drops every open connection. */
class RedisProxy {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private accepting = true;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (!this.accepting) {
        client.destroy();
        return;
      }
      const upstream = net.connect(this.target);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `redis://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  pause(): void {
    this.accepting = false;
    for (const socket of this.sockets) socket.destroy();
  }

  resume(): void {
    this.accepting = true;
  }

  async close(): Promise<void> {
    this.pause();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = POLL_TIMEOUT_MS): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const keyPrefix = `openraz-test-${randomUUID()}:`;
const direct = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
t.teardown(async () => {
  await direct.del(`${keyPrefix}revocations`);
  await direct.quit();
});

const { hostname, port } = new URL(redisUrl);
const proxy = new RedisProxy({ host: hostname, port: Number(port) });
const proxyUrl = await proxy.listen();
t.teardown(() => proxy.close());

const policies = [
  {
    id: 1,
    name: 'staff read bkt',
    resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } },
    policyItems: [{ groups: ['staff'], accesses: [{ type: 'read' }] }],
  },
];
const replicaA = await startTestService({ keys, policies, config: { redis: { url: redisUrl, keyPrefix } } });
t.teardown(() => replicaA.close());
const replicaB = await startTestService({ keys, policies, config: { redis: { url: proxyUrl, keyPrefix } } });
t.teardown(() => replicaB.close());

const admin = await signToken(keys, { sub: 'root', scope: 'openraz:admin' });

async function addBlock(replica: TestService, body: object) {
  return replica.app.inject({ method: 'POST', url: '/v1/admin/revocations', headers: { authorization: `Bearer ${admin}` }, payload: body });
}

async function signStatus(replica: TestService, user: string): Promise<number> {
  const token = await signToken(keys, { sub: user, groups: ['staff'] });
  const response = await replica.app.inject({ method: 'POST', url: '/v1/sign', headers: { authorization: `Bearer ${token}` }, payload: { operation: 'GetObject', bucket: 'bkt', key: 'a.csv' } });
  return response.statusCode;
}

t.test('block on one replica applies on the other', async (t) => {
  t.equal(await signStatus(replicaB, 'dave'), 200, 'dave signs on B before the block');

  const added = await addBlock(replicaA, { kind: 'user', value: 'dave', reason: 'account compromised' });
  t.equal(added.statusCode, 201);
  t.equal(await signStatus(replicaA, 'dave'), 403, 'A enforces it when the request returns');
  t.ok(await waitFor(async () => (await signStatus(replicaB, 'dave')) === 403), `B enforces it within ${POLL_TIMEOUT_MS} ms`);

  const stored = await direct.hget(`${keyPrefix}revocations`, added.json().id);
  t.match(JSON.parse(stored ?? '{}'), { kind: 'user', value: 'dave', source: 'api' }, 'the block is in the Redis hash');
  const lines = await replicaB.auditLines();
  t.match(lines[lines.length - 1]?.reason, /^revoked: user "dave" is blocked \(api block [0-9a-f-]{36}\): account compromised$/, 'B audits the reason');

  const removed = await replicaB.app.inject({ method: 'DELETE', url: `/v1/admin/revocations/${added.json().id}`, headers: { authorization: `Bearer ${admin}` } });
  t.equal(removed.statusCode, 200, 'B removes the block A added');
  t.ok(await waitFor(async () => (await signStatus(replicaA, 'dave')) === 200), 'A lifts it');
  t.equal(await direct.hexists(`${keyPrefix}revocations`, added.json().id), 0, 'and it is gone from Redis');
});

t.test('reconnect reloads the whole hash', async (t) => {
  proxy.pause();
  const added = await addBlock(replicaA, { kind: 'group', value: 'staff' });
  t.equal(added.statusCode, 201);
  // B's connections are down, so it misses the message; it must read the hash on reconnect.
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(await signStatus(replicaB, 'erin'), 200, 'B does not know the block while disconnected');

  proxy.resume();
  t.ok(await waitFor(async () => (await signStatus(replicaB, 'erin')) === 403, 5000), 'B enforces it after reconnecting');

  const removed = await replicaA.app.inject({ method: 'DELETE', url: `/v1/admin/revocations/${added.json().id}`, headers: { authorization: `Bearer ${admin}` } });
  t.equal(removed.statusCode, 200);
  t.ok(await waitFor(async () => (await signStatus(replicaB, 'erin')) === 200), 'and learns the removal');
});

t.test('blocks keep applying while Redis is unreachable', async (t) => {
  const added = await addBlock(replicaA, { kind: 'user', value: 'frank' });
  t.ok(await waitFor(async () => (await signStatus(replicaB, 'frank')) === 403), 'B has the block');

  proxy.pause();
  t.teardown(() => proxy.resume());
  t.equal(await signStatus(replicaB, 'frank'), 403, 'B keeps enforcing its last copy');

  const write = await addBlock(replicaB, { kind: 'user', value: 'gina' });
  t.equal(write.statusCode, 503, 'a write on B fails');
  t.equal(write.json().code, 'ERR_REVOCATION_STORE_UNAVAILABLE');
  t.match(replicaB.logText(), /"code":"ERR_REVOCATION_STORE_UNAVAILABLE"/, 'and is logged');
  t.match(replicaB.logText(), /"Redis connection of the revocations failed; reconnecting"/, 'the lost connection is logged');

  proxy.resume();
  await replicaA.app.inject({ method: 'DELETE', url: `/v1/admin/revocations/${added.json().id}`, headers: { authorization: `Bearer ${admin}` } });
  t.ok(await waitFor(async () => (await signStatus(replicaB, 'frank')) === 200, 5000), 'B catches up after reconnecting');
});

t.test('invalid entry is ignored and logged', async (t) => {
  await direct.hset(`${keyPrefix}revocations`, 'broken', '{"kind":"user"}');
  t.teardown(() => direct.hdel(`${keyPrefix}revocations`, 'broken'));
  const added = await addBlock(replicaA, { kind: 'user', value: 'hank' });
  t.equal(added.statusCode, 201, 'other blocks still load');
  t.equal(await signStatus(replicaA, 'hank'), 403);
  t.match(replicaA.logText(), /"revocationId":"broken".*"invalid revocation in Redis ignored"/);
  await replicaA.app.inject({ method: 'DELETE', url: `/v1/admin/revocations/${added.json().id}`, headers: { authorization: `Bearer ${admin}` } });
});

t.test('unreachable Redis stops startup', async (t) => {
  const closed = net.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const unusedPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  await t.rejects(startTestService({ keys, policies, config: { redis: { url: `redis://127.0.0.1:${unusedPort}`, keyPrefix } } }), {
    message: /^cannot read the revocations in Redis \(redis\.url\)/,
  });
});
