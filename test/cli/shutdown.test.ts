import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { AUDIENCE, ISSUER, createTestKeys, signToken } from '../fixtures/tokens.js';

// SIGTERM must stop accepting, finish the requests in flight, flush the audit and exit 0.
// A slow JWKS endpoint keeps a request in flight long enough to send the signal during it.
const keys = await createTestKeys();
const dir = await mkdtemp(path.join(tmpdir(), 'openraz-shutdown-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
t.teardown(() => rm(keys.dir, { recursive: true, force: true }));

const jwks = await readFile(keys.jwksFile, 'utf8');
const jwksServer = createServer((_request, response) => {
  setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end(jwks), 500);
});
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
t.teardown(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));
const jwksPort = (jwksServer.address() as { port: number }).port;

const policiesDir = path.join(dir, 'policies');
await mkdir(policiesDir);
await writeFile(
  path.join(policiesDir, 'p.json'),
  JSON.stringify({ policies: [{ id: 1, name: 'all', resources: { bucket: { values: ['bkt'] }, path: { values: ['*'] } }, policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }] }] }),
);
const auditFile = path.join(dir, 'audit.log');

t.test('SIGTERM finishes requests in flight and exits 0', async (t) => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OPENRAZ_') && !name.startsWith('AWS_')));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../../src/cli/main.ts'), 'serve'], {
    env: {
      ...clean,
      OPENRAZ_PORT: '0',
      OPENRAZ_POLICIES_DIR: policiesDir,
      OPENRAZ_JWT_ISSUER: ISSUER,
      OPENRAZ_JWT_AUDIENCE: AUDIENCE,
      OPENRAZ_JWT_ALGORITHMS: 'RS256',
      OPENRAZ_JWT_JWKS_URL: `http://127.0.0.1:${jwksPort}/jwks.json`,
      OPENRAZ_S3_ENDPOINT: 'http://127.0.0.1:7480',
      OPENRAZ_S3_FORCE_PATH_STYLE: 'true',
      OPENRAZ_AUDIT_DESTINATION: auditFile,
      OPENRAZ_RATE_LIMIT_ENABLED: 'false',
      AWS_ACCESS_KEY_ID: 'AKIDSHUTDOWN',
      AWS_SECRET_ACCESS_KEY: 'shutdown-secret-key',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const deadline = Date.now() + 20_000;
  let port: string | undefined;
  while (port === undefined && Date.now() < deadline) {
    port = /listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.ok(port, 'the service started');

  const token = await signToken(keys, { sub: 'bob' }, {}, new Date());
  const inFlight = fetch(`http://127.0.0.1:${port}/v1/sign`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ operation: 'GetObject', bucket: 'bkt', key: 'k' }),
  });
  await new Promise((resolve) => setTimeout(resolve, 150));
  child.kill('SIGTERM');

  const response = await inFlight;
  t.equal(response.status, 200, 'the request in flight was answered');
  t.equal(await exited, 0, 'the process exited 0');
  const lines = (await readFile(auditFile, 'utf8')).trim().split('\n');
  t.equal(lines.length, 1, 'its audit line was flushed');
  t.match(output, /"msg":"stopping"/);
  await t.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'nothing listens any more');
});
