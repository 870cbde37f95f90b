import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';

const main = path.join(import.meta.dirname, '../../src/cli/main.ts');

/** Runs the CLI with tsx and returns its exit code and output; never inherits OPENRAZ_* variables. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OPENRAZ_') && !name.startsWith('AWS_')));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', main, ...args], { env: { ...clean, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

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
