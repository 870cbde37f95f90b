/**
 * Load test: a mixed workload against openraz on 127.0.0.1 for a bounded time, with policy
 * reloads (good and bad, by SIGHUP) and a JWKS key rotation in the middle. openraz runs in a
 * child process started from the CLI. Reports throughput, latency
 * percentiles and the error count, which must be zero. Decisions only: URLs are signed but
 * not sent to any store.
 *
 * Run: node --import tsx bench/load.ts [seconds]      (default 60)
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';

const seconds = Number(process.argv[2] ?? 60);
const dir = await mkdtemp(path.join(tmpdir(), 'openraz-load-'));
const policiesDir = path.join(dir, 'policies');
await mkdir(policiesDir);

function policies(version: number): string {
  const list: object[] = [];
  for (let i = 0; i < 200; i++) {
    list.push({
      id: i,
      name: `team ${i} v${version}`,
      resources: { bucket: { values: ['data'] }, path: { values: [`team-${i}/`], isRecursive: true } },
      policyItems: [{ groups: [`team-${i}`], accesses: [{ type: 'read' }, { type: 'write' }, { type: 'list' }] }],
      denyPolicyItems: [{ users: ['mallory'], accesses: [{ type: 'read' }] }],
    });
  }
  return JSON.stringify({ policies: list });
}
await writeFile(path.join(policiesDir, 'teams.json'), policies(0));

// A JWKS endpoint whose key set can rotate while the load runs.
const first = await generateKeyPair('ES256');
const second = await generateKeyPair('ES256');
let published = [{ ...(await exportJWK(first.publicKey)), kid: 'k1', alg: 'ES256' }];
const secondJwk = { ...(await exportJWK(second.publicKey)), kid: 'k2', alg: 'ES256' };
const jwksServer = createServer((_request, response) =>
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published })),
);
await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
const jwksPort = (jwksServer.address() as { port: number }).port;

// openraz runs in a process of its own, so the load generator does not share its thread. A
// free port is found first, because at log level warn the service does not print its port.
const probe = createServer();
await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
const port = String((probe.address() as { port: number }).port);
await new Promise<void>((resolve) => probe.close(() => resolve()));
const auditFile = path.join(dir, 'audit.log');
const server = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../src/cli/main.ts', import.meta.url)), 'serve'], {
  env: {
    PATH: process.env.PATH,
    OPENRAZ_PORT: port,
    OPENRAZ_POLICIES_DIR: policiesDir,
    OPENRAZ_POLICIES_WATCH: 'false',
    OPENRAZ_JWT_ISSUER: 'load',
    OPENRAZ_JWT_AUDIENCE: 'openraz',
    OPENRAZ_JWT_ALGORITHMS: 'ES256',
    OPENRAZ_JWT_JWKS_URL: `http://127.0.0.1:${jwksPort}/jwks.json`,
    OPENRAZ_JWT_JWKS_COOLDOWN_MS: '1000',
    OPENRAZ_S3_ENDPOINT: 'http://127.0.0.1:7480',
    OPENRAZ_S3_FORCE_PATH_STYLE: 'true',
    OPENRAZ_AUDIT_DESTINATION: auditFile,
    OPENRAZ_RATE_LIMIT_ENABLED: 'false',
    OPENRAZ_LOG_LEVEL: 'warn',
    AWS_ACCESS_KEY_ID: 'AKIDLOAD',
    AWS_SECRET_ACCESS_KEY: 'load-secret',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let serverOutput = '';
server.stdout.on('data', (chunk: Buffer) => (serverOutput += chunk.toString()));
let ready = false;
for (let waited = 0; !ready && waited < 200; waited++) {
  ready = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    (response) => response.ok,
    () => false,
  );
  if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
}
if (!ready) throw new Error(`openraz did not start:\n${serverOutput}`);

const token = (key: CryptoKey, kid: string, team: number): Promise<string> =>
  new SignJWT({ groups: [`team-${team}`] })
    .setProtectedHeader({ alg: 'ES256', kid })
    .setSubject(`user-${team}`)
    .setIssuer('load')
    .setAudience('openraz')
    .setExpirationTime('2h')
    .sign(key);
const oldTokens = await Promise.all(Array.from({ length: 20 }, (_, team) => token(first.privateKey, 'k1', team)));
const newTokens = await Promise.all(Array.from({ length: 20 }, (_, team) => token(second.privateKey, 'k2', team)));
let rotated = false;

const bodies = (team: number): string[] => [
  JSON.stringify({ operation: 'GetObject', bucket: 'data', key: `team-${team}/reports/2026/q1.csv` }),
  JSON.stringify({ operation: 'PutObject', bucket: 'data', key: `team-${team}/uploads/file ${team}.bin` }),
  JSON.stringify({ operation: 'ListObjectsV2', bucket: 'data', prefix: `team-${team}/reports/` }),
  JSON.stringify({ operation: 'GetObject', bucket: 'data', key: `team-${(team + 1) % 200}/secret.csv` }),
];

let counter = 0;
const finished = new Promise<autocannon.Result>((resolve, reject) => {
  autocannon(
    {
      url: `http://127.0.0.1:${port}`,
      connections: 32,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/v1/sign',
          setupRequest: (request: autocannon.Request) => {
            const team = counter++ % 20;
            const tokens = rotated && counter % 2 === 0 ? newTokens : oldTokens;
            return {
              ...request,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[team]}` },
              body: bodies(team)[counter % 4]!,
            };
          },
        },
      ],
    },
    (error, result) => (error ? reject(error) : resolve(result)),
  );
});

// Reload every second, one in four with a broken file; rotate the keys at half time.
let reloads = 0;
let failedReloads = 0;
const reloader = setInterval(() => {
  reloads++;
  const broken = reloads % 4 === 0;
  if (broken) failedReloads++;
  void writeFile(path.join(policiesDir, 'teams.json'), broken ? '{"policies": [' : policies(reloads)).then(() => server.kill('SIGHUP'));
}, 1000);
const rotation = setTimeout(
  () => {
    published = [published[0]!, secondJwk];
    rotated = true;
  },
  (seconds * 1000) / 2,
);

const result = await finished;
clearInterval(reloader);
clearTimeout(rotation);

console.log(`duration ${seconds} s, 32 connections, mixed GetObject / PutObject / ListObjectsV2 / denied GetObject`);
console.log(`requests ${result.requests.total}, throughput ${result.requests.average.toFixed(0)} req/s`);
console.log(`latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
console.log(
  `status 2xx ${result['2xx']}, non-2xx ${result.non2xx} (the denied quarter answers 403), errors ${result.errors}, timeouts ${result.timeouts}`,
);
console.log(`reloads ${reloads} by SIGHUP (${failedReloads} with a broken file), key rotation at ${seconds / 2} s`);

const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const reloadCount = (result: string): string => new RegExp(`openraz_policy_reloads_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? '0';
console.log(`the service loaded ${reloadCount('loaded')} new policy sets and rejected ${reloadCount('failed')}`);
server.kill('SIGTERM');
await new Promise((resolve) => server.on('exit', resolve));
await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
await rm(dir, { recursive: true, force: true });
process.exitCode = result.errors + result.timeouts === 0 ? 0 : 1;
