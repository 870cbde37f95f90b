import { rm } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import t from 'tap';
import { startTestService } from '../fixtures/service.js';
import { createTestKeys, signToken } from '../fixtures/tokens.js';

// Node's HTTP parser keeps the first Authorization header and drops the others, so a request
// with two bearer tokens is authorized as whichever comes first. A proxy or auth gateway in
// front may read the last one. Credentials that two parsers can read differently must be
// rejected, not resolved by position (RFC 9110, section 5.3: Authorization is not a list).
const keys = await createTestKeys();
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

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
});
t.teardown(() => service.close());
await service.app.listen({ host: '127.0.0.1', port: 0 });
const { port } = service.app.server.address() as AddressInfo;

const alice = await signToken(keys, { sub: 'alice' });
const mallory = await signToken(keys, { sub: 'mallory' });
const body = JSON.stringify({ operation: 'GetObject', bucket: 'bkt', key: 'data/report.csv' });

/** Sends one HTTP/1.1 request with the header lines exactly as given and returns status and body. */
function sendWithHeaderLines(headerLines: string[]): Promise<{ status: number; body: string }> {
  const request = [
    'POST /v1/sign HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...headerLines,
    '',
    body,
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
      resolve({ status, body: response.slice(response.indexOf('\r\n\r\n') + 4) });
    });
  });
}

t.test('one bearer token signs', async (t) => {
  const response = await sendWithHeaderLines([`Authorization: Bearer ${alice}`]);
  t.equal(response.status, 200, 'the control request is allowed');
});

t.test('two Authorization headers are rejected', async (t) => {
  const decisionsBefore = (await service.auditLines()).length;
  for (const [name, first, second] of [
    ['alice first', alice, mallory],
    ['mallory first', mallory, alice],
  ] as const) {
    const response = await sendWithHeaderLines([`Authorization: Bearer ${first}`, `Authorization: Bearer ${second}`]);
    t.ok(response.status === 400 || response.status === 401, `${name}: status ${response.status} is 400 or 401`);
    t.notOk(response.body.includes('X-Amz-Signature'), `${name}: no URL in the response`);
  }

  const decisionsAfter = (await service.auditLines()).length;
  t.equal(decisionsAfter, decisionsBefore, 'no decision is made for an ambiguous request');
});
