import { rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createBucket, gatewayAccessKey, gatewayEndpoint, gatewaySecretKey, startGateway } from '../fixtures/gateway.js';
import { startTestService, type TestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// POST /v1/sign/batch decides, audits and signs up to signing.maxBatchSize (1000) sign
// requests in one call. A hostile caller sends the largest, deepest and most mixed batches
// it can, and checks what one call costs the service and what it reveals.
const bucket = 'redteam2-batch';
const ALL = [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }];

await startGateway();
await createBucket(bucket);

const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

async function start(config: Record<string, Record<string, unknown>> = { rateLimit: { enabled: false } }): Promise<TestService> {
  const service = await startTestService({
    keys,
    policies: [
      {
        id: 1,
        name: 'mallory owns m/',
        resources: { bucket: { values: [bucket] }, path: { values: ['m/'], isRecursive: true } },
        policyItems: [{ users: ['mallory'], accesses: ALL }],
      },
    ],
    credentials: { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey },
    endpoint: gatewayEndpoint,
    now: () => new Date(),
    config,
  });
  t.teardown(() => service.close());
  return service;
}

const service = await start();

interface BatchResult {
  status: number;
  url?: string;
  headers?: Record<string, string>;
  decisionId?: string;
  error?: { code: string; index: number; field?: string; message: string; decisionId?: string; deniedKeys?: string[] };
}

async function batch(payload: string | object, target: TestService = service) {
  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const response = await target.app.inject({
    method: 'POST',
    url: '/v1/sign/batch',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload,
  });
  return { status: response.statusCode, requestId: String(response.headers['x-request-id']), body: response.json() };
}

const getItem = (key: string) => ({ operation: 'GetObject', bucket, key });

t.test('oversized item count is rejected', async (t) => {
  const tooMany = await batch({ requests: Array.from({ length: 1001 }, (_, index) => getItem(`m/${index}`)) });
  t.equal(tooMany.status, 400);
  t.equal(tooMany.body.code, 'ERR_REQUEST_INVALID');
  t.equal(tooMany.body.field, 'requests');

  // About 600 KB of one-character items, under the 1 MiB body limit.
  const tiny = await batch(`{"requests":[${Array.from({ length: 300_000 }, () => '0').join(',')}]}`);
  t.equal(tiny.status, 400);
  t.equal(tiny.body.code, 'ERR_REQUEST_INVALID');
  t.equal(tiny.body.field, 'requests');
  t.equal((await service.auditLines()).filter((line) => line.requestId === tiny.requestId).length, 0, 'nothing was decided');
});

t.test('deeply nested items fail alone', async (t) => {
  const depth = 100_000;
  const nestedArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const nestedObject = `${'{"a":'.repeat(depth)}0${'}'.repeat(depth)}`;
  const response = await batch(
    `{"requests":[${nestedArray},${JSON.stringify(getItem('m/a'))},{"operation":"GetObject","bucket":"${bucket}","key":"m/b","responseOverrides":${nestedObject}}]}`,
  );
  t.equal(response.status, 200, 'the batch is answered');
  const results = response.body.results as BatchResult[];
  t.same(
    results.map((result) => [result.status, result.error?.code]),
    [
      [400, 'ERR_REQUEST_INVALID'],
      [200, undefined],
      [400, 'ERR_REQUEST_INVALID'],
    ],
  );
  t.equal((await service.app.inject({ url: '/healthz' })).statusCode, 200, 'the service still answers');
});

t.test('items do not see each other', async (t) => {
  const response = await batch({
    requests: [
      getItem('m/visible.txt'),
      getItem('secret/payroll.csv'),
      { operation: 'DeleteObjects', bucket, body: '<Delete><Object><Key>m/x</Key></Object><Object><Key>secret/y</Key></Object></Delete>' },
      { operation: 'GetObject', bucket, key: 'm/bad', expiresInSeconds: 10 ** 9 },
    ],
  });
  t.equal(response.status, 200);
  const [allowed, denied, deleted, invalid] = response.body.results as BatchResult[];
  t.match(allowed!.url, `/${bucket}/m/visible.txt?`, 'the allowed item signs its own key');
  t.same(Object.keys(denied!).sort(), ['error', 'status'], 'a denied item carries no URL or headers');
  t.same(denied!.error!.index, 1);
  t.same(deleted!.error!.deniedKeys, ['secret/y'], 'a denial lists only its own keys');
  t.equal(invalid!.error!.code, 'ERR_REQUEST_EXPIRY_OUT_OF_RANGE');
  for (const [index, result] of [denied, deleted, invalid].entries()) {
    const text = JSON.stringify(result);
    t.notMatch(text, /X-Amz-Signature|visible\.txt/, `failed item ${index + 1} shows nothing of another item`);
  }
});

t.test('every access of every item is audited', async (t) => {
  const response = await batch({
    requests: [
      getItem('m/a'),
      {
        operation: 'DeleteObjects',
        bucket,
        body: '<Delete><Object><Key>m/1</Key></Object><Object><Key>m/2</Key></Object><Object><Key>m/3</Key></Object></Delete>',
      },
      { operation: 'CopyObject', bucket, key: 'm/copy', copySource: { bucket, key: 'm/a' } },
      getItem('secret/b'),
      { operation: 'GetObject', bucket },
    ],
  });
  const results = response.body.results as BatchResult[];
  t.same(
    results.map((result) => result.status),
    [200, 200, 200, 403, 400],
  );
  const lines = (await service.auditLines()).filter((line) => line.requestId === response.requestId);
  t.equal(lines.length, 7, 'one line per access: 1 + 3 + 2 + 1, none for the invalid item');
  const decisions = new Set(lines.map((line) => line.decisionId));
  t.equal(decisions.size, 4, 'one decision id per decided item');
  t.same(
    lines.filter((line) => line.decision === 'deny').map((line) => line.key),
    ['secret/b'],
  );
});

t.test('batch items count against the rate limit', async (t) => {
  const limited = await start({ rateLimit: { enabled: true, maxRequestsPerWindow: 3, windowMs: 60_000 } });
  let signed = 0;
  for (let round = 0; round < 2; round++) {
    const response = await batch({ requests: Array.from({ length: 50 }, (_, index) => getItem(`m/${round}-${index}`)) }, limited);
    if (response.status === 200) signed += (response.body.results as BatchResult[]).filter((result) => result.status === 200).length;
  }
  t.equal(signed, 3, 'exactly the 3 signatures of the window, the first items of the first batch');
});

/** Milliseconds taken by `run`. */
async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

t.test('batch yields to concurrent requests', async (t) => {
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const origin = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`;
  const token = await signToken(keys, { sub: 'mallory' }, {}, new Date());
  const body = JSON.stringify({ requests: Array.from({ length: 1000 }, (_, index) => getItem(`m/stall/${index}`)) });
  const sendBatch = () =>
    fetch(`${origin}/v1/sign/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    }).then((response) => response.text());
  const health = () => fetch(`${origin}/healthz`).then((response) => response.text());
  await sendBatch();

  const ratios: number[] = [];
  for (let run = 0; run < 3; run++) {
    let done = false;
    const latencies: number[] = [];
    // A probe counts from when it was due, so a timer held back by a blocked loop counts too.
    const probing = (async () => {
      while (!done) {
        const due = performance.now() + 2;
        await new Promise((resolve) => setTimeout(resolve, 2));
        await health();
        latencies.push(performance.now() - due);
      }
    })();
    const batchMs = await timed(sendBatch);
    done = true;
    await probing;
    const stallMs = Math.max(...latencies);
    ratios.push(stallMs / batchMs);
    t.comment(`batch of 1000 GetObject: ${batchMs.toFixed(0)} ms; longest /healthz meanwhile: ${stallMs.toFixed(0)} ms`);
  }
  const median = ratios.sort((a, b) => a - b)[1]!;
  t.ok(median < 0.25, `/healthz waits at most a quarter of a batch (median ratio ${median.toFixed(2)})`);
});
