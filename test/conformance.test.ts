import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { compilePolicyFiles } from '../src/policy/index.js';
import { formatExplanation, parseCases, runCases } from '../src/policy-tools/index.js';

// Each file under conformance/ is one topic: policies, optional roles, and cases with the
// expected decision. The same runner serves `openraz policy test`.
const dir = path.join(import.meta.dirname, 'conformance');

for (const name of (await readdir(dir)).filter((file) => file.endsWith('.json')).sort()) {
  t.test(name.replace(/\.json$/, ''), async (t) => {
    const file = path.join(dir, name);
    const document = JSON.parse(await readFile(file, 'utf8')) as { policies: unknown[]; roles?: unknown[]; cases: unknown[] };
    const set = await compilePolicyFiles([{ name: file, text: JSON.stringify({ policies: document.policies }) }], {
      ...(document.roles === undefined ? {} : { roles: { name: `${file} roles`, text: JSON.stringify({ roles: document.roles }) } }),
    });
    const cases = parseCases(file, JSON.stringify({ cases: document.cases }));
    t.ok(cases.length > 0, 'the file has cases');
    for (const result of runCases(set, cases)) {
      t.equal(result.explanation.decision.allowed ? 'allow' : 'deny', result.testCase.expect, result.testCase.name, {
        explanation: formatExplanation(result.explanation),
      });
    }
  });
}
