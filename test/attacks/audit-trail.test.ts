import t from 'tap';
import { startTestServiceFor } from '../fixtures/service.js';
import { createSigningClient, type SignResponse } from '../fixtures/signing-client.js';
import { NOW, signToken } from '../fixtures/tokens.js';

// Every decision of /v1/sign and /v1/sign/post, allowed or denied, must leave one audit line
// per access under the decision id the caller receives, naming what the URL lets its holder
// do. No request reaches a gateway here: the lines are what is checked.
const bucket = 'redteam-audit';
const { keys, service } = await startTestServiceFor(t, {
  policies: [
    {
      id: 1,
      name: 'mallory owns m/',
      resources: { bucket: { values: [bucket] }, path: { values: ['m/'], isRecursive: true } },
      policyItems: [{ users: ['mallory'], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'delete' }, { type: 'list' }] }],
    },
  ],
  config: { rateLimit: { enabled: false } },
});
// The service's clock is NOW, so the tokens are issued at NOW.
const token = await signToken(keys, { sub: 'mallory' });
const client = createSigningClient(service, keys, { bucket, now: () => NOW });

function sign(body: Record<string, unknown>, route?: string): Promise<SignResponse> {
  return client.sign('mallory', body, route);
}

async function linesOf(decisionId: unknown): Promise<Record<string, unknown>[]> {
  return (await service.auditLines()).filter((line) => line.decisionId === decisionId);
}

t.test('each access has one line', async (t) => {
  const cases: [request: Record<string, unknown>, status: number, lines: [string, string, string][], route?: string][] = [
    [{ operation: 'GetObject', key: 'm/a' }, 200, [['read', 'm/a', 'allow']]],
    [{ operation: 'GetObject', key: 'x/a' }, 403, [['read', 'x/a', 'deny']]],
    [{ operation: 'ListObjectVersions', prefix: 'm/' }, 200, [['list', 'm/', 'allow']]],
    [{ operation: 'HeadBucket' }, 403, [['list', '', 'deny']]],
    [
      { operation: 'UploadPartCopy', key: 'm/p', partNumber: 1, uploadId: 'u', copySource: { bucket, key: 'x/s' } },
      403,
      [
        ['write', 'm/p', 'allow'],
        ['read', 'x/s', 'deny'],
      ],
    ],
    [
      { operation: 'DeleteObjects', body: '<Delete><Object><Key>m/a</Key></Object><Object><Key>x/b</Key></Object></Delete>' },
      403,
      [
        ['delete', 'm/a', 'allow'],
        ['delete', 'x/b', 'deny'],
      ],
    ],
    [{ prefix: 'm/forms/' }, 200, [['write', 'm/forms/', 'allow']], '/v1/sign/post'],
    [{ prefix: '' }, 403, [['write', '', 'deny']], '/v1/sign/post'],
  ];
  for (const [request, status, expected, route] of cases) {
    const response = await sign(request, route);
    const name = JSON.stringify(request).slice(0, 80);
    t.equal(response.status, status, name);
    t.type(response.json.decisionId, 'string', `the response names the decision: ${name}`);
    const lines = await linesOf(response.json.decisionId);
    t.same(
      lines.map((line) => [line.accessType, line.key ?? line.prefix, line.decision]),
      expected,
      `the audit lines of ${name}`,
    );
  }
});

t.test('ListBuckets line names every bucket', async (t) => {
  const response = await service.app.inject({
    method: 'POST',
    url: '/v1/sign',
    headers: { authorization: `Bearer ${token}` },
    payload: { operation: 'ListBuckets' },
  });
  t.equal(response.statusCode, 403);
  const lines = await linesOf(response.json().decisionId);
  t.same(
    lines.map((line) => [line.operation, line.bucket, line.prefix, line.decision]),
    [['ListBuckets', '*', '', 'deny']],
  );
});

t.test('version and upload IDs are audited', async (t) => {
  const cases: [request: Record<string, unknown>, field: string, value: string][] = [
    [{ operation: 'DeleteObject', key: 'm/a', versionId: 'v-123' }, 'versionId', 'v-123'],
    [{ operation: 'GetObject', key: 'm/a', versionId: 'v-456' }, 'versionId', 'v-456'],
    [{ operation: 'DeleteObjects', body: '<Delete><Object><Key>m/a</Key><VersionId>v-789</VersionId></Object></Delete>' }, 'versionId', 'v-789'],
    [{ operation: 'ListParts', key: 'm/a', uploadId: '2~abc' }, 'uploadId', '2~abc'],
  ];
  for (const [request, field, value] of cases) {
    const response = await sign(request);
    t.equal(response.status, 200);
    const [line] = await linesOf(response.json.decisionId);
    t.equal(line?.[field], value, `${String(request.operation)}: the line names ${field}`);
  }
});
