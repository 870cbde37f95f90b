import type { FastifyBaseLogger } from 'fastify';
import t from 'tap';
import type { AuthorityDependencies } from '../../src/authority/index.js';
import { signBatch } from '../../src/http/sign-batch.js';
import { createMetrics } from '../../src/metrics/index.js';
import { UrlSigner, parseStorageTarget } from '../../src/s3/index.js';
import { gatewayEndpoint } from '../fixtures/gateway.js';
import { startGatewayService } from '../fixtures/gateway-service.js';
import { sendRaw } from '../fixtures/raw-http.js';
import type { TestService } from '../fixtures/service.js';
import { NOW, signToken } from '../fixtures/tokens.js';

// The allowed URLs of a batch are sent to the real Ceph radosgw on 127.0.0.1, which verifies SigV4.
const bucket = 'headers-batch';
const policies = [
  {
    id: 1,
    name: 'alice owns batch/',
    resources: { bucket: { values: [bucket] }, path: { values: ['batch/'], isRecursive: true } },
    policyItems: [{ users: ['alice'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
  },
];

const { keys, service } = await startGatewayService(t, { buckets: [bucket], policies });

/** Starts another service with the same keys and policies, and without storage credentials when `withCredentials` is false. */
async function start(config: Record<string, Record<string, unknown>> = {}, withCredentials = true): Promise<TestService> {
  return (await startGatewayService(t, { keys, policies, config, ...(withCredentials ? {} : { credentials: null }) })).service;
}

async function batch(body: unknown, target: TestService = service) {
  const token = await signToken(keys, { sub: 'alice' }, {}, new Date());
  return target.app.inject({ method: 'POST', url: '/v1/sign/batch', headers: { authorization: `Bearer ${token}` }, payload: body as object });
}

t.test('mixed batch keeps order and codes', async (t) => {
  const response = await batch({
    requests: [
      { operation: 'PutObject', bucket, key: 'batch/mixed/a.txt' },
      { operation: 'GetObject', bucket, key: 'other/secret.txt' },
      { operation: 'RestoreObject', bucket, key: 'batch/x' },
      42,
      { operation: 'GetObject', bucket, key: 'batch/mixed/a.txt', expiresInSeconds: 999_999 },
      { operation: 'ListObjectsV2', bucket, key: 'batch/x' },
      { operation: 'GetObject', bucket, key: 'batch/mixed/a.txt', expiresInSeconds: 120 },
      { operation: 'DeleteObjects', bucket, body: '<Delete><Object><Key>batch/a</Key></Object><Object><Key>secret/b</Key></Object></Delete>' },
    ],
  });
  t.equal(response.statusCode, 200);
  const { results } = response.json() as { results: Record<string, any>[] };
  t.equal(results.length, 8);
  t.same(
    results.map((result) => [result.status, result.error?.code, result.error?.field, result.error?.index]),
    [
      [200, undefined, undefined, undefined],
      [403, 'ERR_ACCESS_DENIED', undefined, 1],
      [400, 'ERR_REQUEST_INVALID', 'operation', 2],
      [400, 'ERR_REQUEST_INVALID', undefined, 3],
      [400, 'ERR_REQUEST_EXPIRY_OUT_OF_RANGE', 'expiresInSeconds', 4],
      [400, 'ERR_REQUEST_INVALID', 'key', 5],
      [200, undefined, undefined, undefined],
      [403, 'ERR_ACCESS_DENIED', undefined, 7],
    ],
  );

  const [put, denied, , , , , get, bulk] = results;
  t.equal(put!.method, 'PUT');
  t.match(put!.url, `${gatewayEndpoint}/${bucket}/batch/mixed/a.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&`);
  t.same(put!.headers, {});
  t.match(put!.decisionId, /^[0-9a-f-]{36}$/);
  t.equal(put!.policyId, '1');
  t.match(get!.url, /X-Amz-Expires=120&/);
  t.not(get!.decisionId, put!.decisionId, 'each item has its own decision');

  for (const failed of results.filter((result) => result.status !== 200)) {
    t.notOk('url' in failed, `item ${failed.error.index}: no URL`);
    t.notOk('headers' in failed, `item ${failed.error.index}: no headers`);
  }
  t.match(denied!.error.decisionId, /^[0-9a-f-]{36}$/);
  t.match(denied!.error.message, 'Access denied: user "alice" may not read s3://headers-batch/other/secret.txt.');
  t.same(bulk!.error.deniedKeys, ['secret/b']);

  t.equal((await sendRaw('PUT', put!.url, 'batch content')).status, 200, 'the PUT URL works on the gateway');
  const download = await sendRaw('GET', get!.url);
  t.equal(download.status, 200, 'the GET URL works on the gateway');
  t.equal(download.body.toString(), 'batch content');
});

t.test('audit lines, one per access of each decided item', async (t) => {
  const before = (await service.auditLines()).length;
  const response = await batch({
    requests: [
      { operation: 'CopyObject', bucket, key: 'batch/audit/copy', copySource: { bucket, key: 'batch/audit/source' } },
      { operation: 'HeadObject', bucket, key: 'batch/audit/source' },
      { operation: 'HeadObject', bucket, key: 'elsewhere/x' },
      { operation: 'HeadObject', bucket },
    ],
  });
  t.equal(response.statusCode, 200);
  const { results } = response.json() as { results: Record<string, any>[] };
  t.same(
    results.map((result) => result.status),
    [200, 200, 403, 400],
  );

  const lines = (await service.auditLines()).slice(before);
  t.equal(lines.length, 4, 'two accesses for the copy, one for each HEAD; none for the invalid item');
  t.same(
    lines.map((line) => [line.operation, line.accessType, line.key, line.decision]).sort(),
    [
      ['CopyObject', 'read', 'batch/audit/source', 'allow'],
      ['CopyObject', 'write', 'batch/audit/copy', 'allow'],
      ['HeadObject', 'read', 'batch/audit/source', 'allow'],
      ['HeadObject', 'read', 'elsewhere/x', 'deny'],
    ].sort(),
  );
  t.equal(new Set(lines.map((line) => line.requestId)).size, 1, 'one request id for the batch');
  t.same(new Set(lines.map((line) => line.decisionId)), new Set([results[0]!.decisionId, results[1]!.decisionId, results[2]!.error.decisionId]));
  t.ok(lines.every((line) => line.kind === 'sign'));
});

t.test('failed items are counted by code', async (t) => {
  const metricsBefore = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
  const countOf = (text: string): number => Number(/openraz_request_errors_total\{code="ERR_ACCESS_DENIED"\} (\d+)/.exec(text)?.[1] ?? 0);
  await batch({
    requests: [
      { operation: 'GetObject', bucket, key: 'x/1' },
      { operation: 'GetObject', bucket, key: 'x/2' },
      { operation: 'GetObject', bucket, key: 'batch/ok' },
    ],
  });
  const metricsAfter = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
  t.equal(countOf(metricsAfter) - countOf(metricsBefore), 2);
  t.match(service.logText(), /"failures":\{"ERR_ACCESS_DENIED":2\}/, 'one log line counts the failures');
});

t.test('batch size limit', async (t) => {
  const small = await start({ signing: { maxBatchSize: 3 } });
  const item = { operation: 'HeadObject', bucket, key: 'batch/x' };
  const tooMany = await batch({ requests: [item, item, item, item] }, small);
  t.equal(tooMany.statusCode, 400);
  t.equal(tooMany.json().code, 'ERR_REQUEST_INVALID');
  t.equal(tooMany.json().field, 'requests');
  t.match(tooMany.json().message, /at most 3/);
  const lines = await small.auditLines();
  t.equal(lines.length, 0, 'nothing of a rejected batch is decided');

  const enough = await batch({ requests: [item, item, item] }, small);
  t.equal(enough.statusCode, 200);
  t.equal(enough.json().results.length, 3);

  for (const [body, field] of [
    [{ requests: [] }, 'requests'],
    [{}, 'requests'],
    [{ requests: item }, 'requests'],
    [{ requests: [item], extra: true }, 'extra'],
  ] as const) {
    const response = await batch(body, small);
    t.equal(response.statusCode, 400, JSON.stringify(body));
    t.equal(response.json().field, field, `${JSON.stringify(body)}: field`);
  }
});

t.test('without credentials every item is 503', async (t) => {
  const bare = await start({}, false);
  const response = await batch({ requests: [{ operation: 'HeadObject', bucket, key: 'batch/x' }, { operation: 'Nope' }] }, bare);
  t.equal(response.statusCode, 200);
  t.same(
    response.json().results.map((result: Record<string, any>) => [result.status, result.error.code]),
    [
      [503, 'ERR_SERVICE_NOT_READY'],
      [400, 'ERR_REQUEST_INVALID'],
    ],
  );
});

t.test('token is checked before the batch', async (t) => {
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign/batch',
    payload: { requests: [{ operation: 'HeadObject', bucket, key: 'batch/x' }] },
  });
  t.equal(response.statusCode, 401);
  t.equal(response.json().code, 'ERR_AUTH_TOKEN_MISSING');
});

t.test('unexpected errors do not leak', async (t) => {
  const logged: unknown[][] = [];
  const log = {
    info: (...args: unknown[]) => logged.push(['info', ...args]),
    error: (...args: unknown[]) => logged.push(['error', ...args]),
  } as unknown as FastifyBaseLogger;
  const metrics = createMetrics({ processMetrics: false });
  const broken = {
    policies: () => {
      throw new TypeError('policy index at 0x7f3a corrupted');
    },
    signer: () => new UrlSigner(parseStorageTarget('http://127.0.0.1:9000', 'us-east-1', true), { accessKeyId: 'AKID', secretAccessKey: 'secret' }),
    audit: { async write() {}, healthy: () => true, flush: async () => {}, close: async () => {} },
    metrics,
    signing: { defaultExpiresSeconds: 300, maxExpiresSeconds: 3600, maxBatchSize: 10 },
  } as unknown as AuthorityDependencies;

  const caller = { user: 'alice', groups: [], scopes: [], expiresAt: new Date(NOW.getTime() + 60_000) };
  const items = [
    { operation: 'GetObject', bucket, key: 'batch/a' },
    { operation: 'GetObject', bucket, key: 'batch/b' },
  ];
  const results = await signBatch(broken, caller, items, { requestId: 'r1', clientIp: '127.0.0.1', now: NOW }, log);
  t.same(
    results,
    [0, 1].map((index) => ({
      status: 500,
      error: { code: 'ERR_INTERNAL', message: 'Internal error; the service log has the details under the request id.', index },
    })),
  );
  const errors = logged.filter(([level]) => level === 'error');
  t.equal(errors.length, 1, 'one error line for the batch');
  t.match(errors[0]![1], { index: 0, count: 2 });
  t.match(String((errors[0]![1] as { err: Error }).err.message), 'corrupted', 'the log has the cause');
});
