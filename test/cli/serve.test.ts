import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { runCli } from '../fixtures/cli.js';

t.test('invalid configuration stops startup with every problem', async (t) => {
  const result = await runCli(['serve'], { OPENRAZ_PORT: 'eighty', OPENRAZ_JWT_ALGORITHMS: 'none' });
  t.equal(result.code, 1);
  t.match(result.stderr, /invalid configuration/);
  t.match(result.stderr, /OPENRAZ_PORT#\/server\/port: invalid integer "eighty"/);
});

t.test('invalid policies stop startup with file and pointer', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'openraz-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const policiesDir = path.join(dir, 'policies');
  await mkdir(policiesDir);
  await writeFile(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [] }));
  await writeFile(path.join(policiesDir, 'bad.json'), JSON.stringify({ policies: [{ id: 1, name: 'p', resources: { bucket: { values: ['b'] }, path: { values: ['*'] } }, policyItems: [{ users: ['u'], accesses: [{ type: 'admin' }] }] }] }));
  const result = await runCli(['serve'], {
    OPENRAZ_POLICIES_DIR: policiesDir,
    OPENRAZ_JWT_ISSUER: 'https://idp.test',
    OPENRAZ_JWT_AUDIENCE: 'openraz',
    OPENRAZ_JWT_ALGORITHMS: 'RS256',
    OPENRAZ_JWT_JWKS_FILE: path.join(dir, 'jwks.json'),
  });
  t.equal(result.code, 1);
  t.match(result.stderr, /cannot load policies: 1 problem/);
  t.match(result.stderr, /bad\.json#\/policies\/0\/policyItems\/0\/accesses\/0\/type: must be one of "read", "write", "delete", "list"/);
});

t.test('help and unknown commands', async (t) => {
  const help = await runCli(['--help'], {});
  t.equal(help.code, 0);
  t.match(help.stdout, /Usage: openraz/);
  const unknown = await runCli(['frobnicate'], {});
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /unknown command "frobnicate"/);
});
