import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LoadError, formatLoadProblems } from '../errors/index.js';
import { ACCESS_TYPES, DEFAULT_MATCHER_OPTIONS, loadPolicyDirectory, type PolicySet } from '../policy/index.js';
import { importRanger, writeRangerImport } from '../policy/import/index.js';
import { OPERATIONS } from '../s3/index.js';
import { checkPolicySet, formatExplanation, parseCases, runCases, type PolicyCase } from '../policy-tools/index.js';

export const POLICY_USAGE = `Usage: openraz policy check DIR [--known-groups FILE]
       openraz policy test CASES.json --policies DIR
       openraz policy explain --policies DIR --user NAME --bucket NAME (--key KEY | --prefix PREFIX)
                              (--operation NAME | --access-type TYPE) [--groups a,b] [--roles a,b]
                              [--client-ip IP] [--time ISO-8601]
       openraz policy import-ranger FILE --out DIR [--service NAME] [--force]

  check          Load DIR as the service would: exit 1 on any error; print warnings
                 (shadowed items, grants of everything to everyone, wildcards that also
                 match "/", items that name nobody, unknown groups with --known-groups:
                 a JSON array or one group a line).
  test           Run a table of cases; exit 1 on any mismatch, printing the explanation.
  explain        Decide one request and show how each policy was evaluated.
  import-ranger  Convert a Ranger Admin export or plugin download to openraz policy files,
                 listing every policy or field that was not carried over and why.`;

/** Runs `openraz policy ...`; returns the exit code. */
export async function runPolicyCommand(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'check':
      return check(rest);
    case 'test':
      return test(rest);
    case 'explain':
      return explain(rest);
    case 'import-ranger':
      return importCommand(rest);
    default:
      console.error(command === undefined ? POLICY_USAGE : `openraz policy: unknown command "${command}"\n\n${POLICY_USAGE}`);
      return 2;
  }
}

async function loadForTools(dir: string): Promise<PolicySet | undefined> {
  try {
    return await loadPolicyDirectory(dir, { matcher: DEFAULT_MATCHER_OPTIONS });
  } catch (error) {
    if (!(error instanceof LoadError)) throw error;
    console.error(`${error.problems.length} error${error.problems.length === 1 ? '' : 's'}:\n${formatLoadProblems(error.problems)}`);
    return undefined;
  }
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { 'known-groups': { type: 'string' } } });
  const dir = positionals[0];
  if (dir === undefined) return usage('policy check needs the policies directory');

  const set = await loadForTools(dir);
  if (set === undefined) return 1;
  const knownGroups = values['known-groups'] === undefined ? undefined : await readGroups(values['known-groups']);
  const warnings = checkPolicySet(set, knownGroups);
  for (const warning of warnings) console.log(`warning: ${warning.source}#${warning.pointer}: ${warning.message}`);
  console.log(`${set.info.policyCount} enabled policies in ${set.info.files.length} files, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}; version ${set.info.version.slice(0, 12)}`);
  return 0;
}

async function test(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { policies: { type: 'string' } } });
  const casesFile = positionals[0];
  if (casesFile === undefined || values.policies === undefined) return usage('policy test needs CASES.json and --policies DIR');

  const set = await loadForTools(values.policies);
  if (set === undefined) return 1;
  const results = runCases(set, parseCases(casesFile, await readFile(casesFile, 'utf8')));
  const failed = results.filter((result) => !result.passed);
  for (const result of failed) {
    console.log(`FAIL ${result.testCase.name}: expected ${result.testCase.expect}, got ${result.explanation.decision.allowed ? 'allow' : 'deny'}`);
    console.log(formatExplanation(result.explanation, '    '));
  }
  console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
  return failed.length === 0 ? 0 : 1;
}

async function explain(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policies: { type: 'string' },
      user: { type: 'string' },
      groups: { type: 'string' },
      roles: { type: 'string' },
      bucket: { type: 'string' },
      key: { type: 'string' },
      prefix: { type: 'string' },
      operation: { type: 'string' },
      'access-type': { type: 'string' },
      'client-ip': { type: 'string' },
      time: { type: 'string' },
    },
  });
  if (values.policies === undefined || values.user === undefined || values.bucket === undefined) {
    return usage('policy explain needs --policies, --user and --bucket');
  }
  const operation = values.operation;
  const accessType = values['access-type'];
  if (operation !== undefined && !(OPERATIONS as readonly string[]).includes(operation)) return usage(`--operation must be one of ${OPERATIONS.join(', ')}`);
  if (accessType !== undefined && !(ACCESS_TYPES as readonly string[]).includes(accessType)) return usage(`--access-type must be one of ${ACCESS_TYPES.join(', ')}`);

  const list = (text: string | undefined): string[] => (text === undefined ? [] : text.split(',').map((item) => item.trim()).filter((item) => item !== ''));
  const request: PolicyCase['request'] = {
    user: values.user,
    groups: list(values.groups),
    roles: list(values.roles),
    bucket: values.bucket,
    ...(values.key === undefined ? {} : { key: values.key }),
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    ...(operation === undefined ? {} : { operation: operation as PolicyCase['request']['operation'] & string }),
    ...(accessType === undefined ? {} : { accessType: accessType as PolicyCase['request']['accessType'] & string }),
    ...(values['client-ip'] === undefined ? {} : { clientIp: values['client-ip'] }),
    time: values.time ?? new Date().toISOString(),
  };
  const cases = parseCases('command line', JSON.stringify({ cases: [{ name: 'explain', request, expect: 'allow' }] }));

  const set = await loadForTools(values.policies);
  if (set === undefined) return 1;
  const [result] = runCases(set, cases);
  console.log(formatExplanation(result!.explanation, ''));
  return 0;
}

async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, service: { type: 'string' }, force: { type: 'boolean' } },
  });
  const file = positionals[0];
  if (file === undefined || values.out === undefined) return usage('policy import-ranger needs FILE and --out DIR');

  const text = await readFile(file, 'utf8');
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new LoadError('cannot import Ranger policies', [{ source: file, pointer: '', message: `invalid JSON: ${(error as Error).message}` }]);
  }
  const result = importRanger(input, { source: file, ...(values.service === undefined ? {} : { serviceName: values.service }) });
  process.stdout.write(await writeRangerImport(result, values.out, { overwrite: values.force ?? false }));
  return 0;
}

async function readGroups(file: string): Promise<Set<string>> {
  const text = (await readFile(file, 'utf8')).trim();
  const groups = text.startsWith('[') ? (JSON.parse(text) as string[]) : text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return new Set(groups);
}

function usage(message: string): number {
  console.error(`openraz: ${message}\n\n${POLICY_USAGE}`);
  return 2;
}
