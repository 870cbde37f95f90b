import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';

// The suite-wide scan must catch what it looks for; this runs it on a folder of its own.
const dir = await mkdtemp(path.join(tmpdir(), 'openraz-leak-scan-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
process.env.OPENRAZ_TEST_OUTPUT_DIR = dir;
const { recordOutput, scanOutput } = await import('./fixtures/leak-scan.js');

t.test('scan finds each kind of secret', async (t) => {
  await recordOutput('{"msg":"request completed","path":"/v1/sign"}');
  t.same((await scanOutput()).findings, [], 'clean output');

  const leaks = [
    'secret=test-secret-key-never-in-output',
    'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXBhcnQ',
    'url http://h/b/k?X-Amz-Signature=abc',
    'X-Amz-Security-Token=FwoG',
  ];
  for (const leak of leaks) await recordOutput(leak);
  const { files, findings } = await scanOutput();
  t.equal(files, 5);
  t.equal(findings.length, 4, findings.join('\n'));
});
