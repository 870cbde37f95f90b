import type { SignRequest } from '../authority/index.js';
import { DEMO_BUCKET, readAudit, startEnvironment, type DemoEnvironment, type DemoUser } from './environment.js';
import { Checklist, printHeading, printLine, redactPresignedUrl, xmlElements } from './output.js';

const ALICE: DemoUser = { name: 'alice', groups: ['analysts'] };
const BOB: DemoUser = { name: 'bob', groups: ['analysts', 'finance'] };

const UPLOAD_KEY = 'uploads/alice/hello world+1.txt';
const UPLOAD_BODY = 'Hello from alice, through a presigned URL.';
const SALARIES_KEY = '2026/salaries/q1.csv';
const SALARIES_BODY = 'name,salary\nalice,1\nbob,2\n';

/** The response of `POST /v1/sign`: a presigned request, or an error with its code. */
interface SignResponse {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  policyId?: string;
  decisionId?: string;
  code?: string;
  message?: string;
}

interface DemoState {
  environment: DemoEnvironment;
  checks: Checklist;
  /** Every decision made so far, to match against the audit lines and the metrics. */
  decisionIds: string[];
}

interface Step {
  title: string;
  run(state: DemoState): Promise<void>;
}

const STEPS: Step[] = [
  { title: 'alice uploads a file to her folder', run: uploadToOwnFolder },
  { title: 'alice downloads it', run: downloadOwnFile },
  { title: 'alice lists her folder', run: listOwnFolder },
  { title: 'alice may not read salaries', run: denySalariesToAnalyst },
  { title: 'bob may, because he is also in finance', run: allowSalariesToFinance },
  { title: "bob may not write to alice's folder", run: denyWriteToOtherFolder },
  { title: 'a tampered URL is rejected by S3', run: rejectTamperedUrl },
  { title: 'a request without a token is rejected', run: rejectMissingToken },
  { title: 'the audit log has one line per decision', run: showAuditLog },
  { title: 'the decision metrics count them too', run: showDecisionMetrics },
];

/**
 * Runs the end-to-end demo: starts a local S3 server and openraz with the example policies,
 * walks through allowed and denied requests over HTTP, and stops everything again.
 *
 * @returns 0 when every step behaved as expected, 1 otherwise.
 */
export async function runDemo(): Promise<number> {
  console.log('openraz demo: a local S3 server, openraz with policies/examples.json, and two users.');

  let environment: DemoEnvironment;
  try {
    environment = await startEnvironment([ALICE, BOB]);
  } catch (error) {
    console.error(`openraz demo: setup failed: ${describeError(error)}`);
    return 1;
  }

  const state: DemoState = { environment, checks: new Checklist(), decisionIds: [] };
  try {
    printSetup(environment);
    await environment.seedObject(SALARIES_KEY, SALARIES_BODY);
    for (const [index, step] of STEPS.entries()) {
      printHeading(`${index + 1}. ${step.title}`);
      await step.run(state);
    }
  } catch (error) {
    state.checks.expect('the demo to run to the end', describeError(error), 'no error');
  } finally {
    await environment.close().catch((error: unknown) => state.checks.expect('clean shutdown', describeError(error), 'no error'));
  }
  return printSummary(state.checks);
}

function printSetup(environment: DemoEnvironment): void {
  printHeading('Setup');
  printLine('S3', `s3rver at ${environment.s3Url}, bucket "${DEMO_BUCKET}", access key S3RVER`);
  printLine('keys', 'a fresh ES256 key pair: the public JWKS in a temporary file, the private key only in memory');
  printLine('openraz', `${environment.openrazUrl}, policies from ${environment.policiesDir}`);
  printLine('users', [ALICE, BOB].map((user) => `${user.name} (groups ${user.groups.join(', ')})`).join(', '));
  printLine('seeded', `s3://${DEMO_BUCKET}/${SALARIES_KEY}, written with the storage credentials, outside openraz`);
}

function printSummary(checks: Checklist): number {
  if (checks.passed) {
    console.log('\nEvery step behaved as expected. Everything is stopped and the temporary files are removed.');
    return 0;
  }
  console.log(`\n${checks.failureList.length} step(s) did not behave as expected:`);
  for (const failure of checks.failureList) console.log(`  - ${failure}`);
  return 1;
}

async function uploadToOwnFolder(state: DemoState): Promise<void> {
  const signed = await askOpenraz(state, ALICE, { operation: 'PutObject', bucket: DEMO_BUCKET, key: UPLOAD_KEY }, 200);
  if (signed === undefined) return;
  const s3 = await callS3(signed, UPLOAD_BODY);
  state.checks.expect('S3 status of the upload', s3.status, 200);
}

async function downloadOwnFile(state: DemoState): Promise<void> {
  const signed = await askOpenraz(state, ALICE, { operation: 'GetObject', bucket: DEMO_BUCKET, key: UPLOAD_KEY }, 200);
  if (signed === undefined) return;
  const s3 = await callS3(signed);
  state.checks.expect('S3 status of the download', s3.status, 200);
  printLine('bytes', JSON.stringify(s3.body));
  state.checks.expect('downloaded bytes', s3.body, UPLOAD_BODY);
}

async function listOwnFolder(state: DemoState): Promise<void> {
  const signed = await askOpenraz(state, ALICE, { operation: 'ListObjectsV2', bucket: DEMO_BUCKET, prefix: 'uploads/alice/' }, 200);
  if (signed === undefined) return;
  const s3 = await callS3(signed);
  state.checks.expect('S3 status of the listing', s3.status, 200);
  const keys = xmlElements(s3.body, 'Key');
  printLine('keys', keys.join(', ') || '(none)');
  state.checks.expect('listed keys', keys.join(', '), UPLOAD_KEY);
}

async function denySalariesToAnalyst(state: DemoState): Promise<void> {
  await askOpenraz(state, ALICE, { operation: 'GetObject', bucket: DEMO_BUCKET, key: SALARIES_KEY }, 403, 'ERR_ACCESS_DENIED');
  printLine('why', 'policy 1 lets analysts read 2026/, but policy 3 denies 2026/salaries/ to everyone outside finance');
}

async function allowSalariesToFinance(state: DemoState): Promise<void> {
  const signed = await askOpenraz(state, BOB, { operation: 'GetObject', bucket: DEMO_BUCKET, key: SALARIES_KEY }, 200);
  if (signed !== undefined) {
    const s3 = await callS3(signed);
    state.checks.expect('S3 status of the salaries download', s3.status, 200);
    printLine('bytes', JSON.stringify(s3.body));
  }
  printLine('why', "policy 3's deny exception for finance cancels its deny item, so policy 1 decides");
}

async function denyWriteToOtherFolder(state: DemoState): Promise<void> {
  await askOpenraz(state, BOB, { operation: 'PutObject', bucket: DEMO_BUCKET, key: 'uploads/alice/from-bob.txt' }, 403, 'ERR_ACCESS_DENIED');
  printLine('why', 'policy 2 lets only alice write under uploads/alice/ and no other policy grants write, so the default deny applies');
}

async function rejectTamperedUrl(state: DemoState): Promise<void> {
  const signed = await askOpenraz(state, ALICE, { operation: 'GetObject', bucket: DEMO_BUCKET, key: UPLOAD_KEY }, 200);
  if (signed === undefined) return;

  // Changes one character of the key ("+1.txt" becomes "+2.txt") and keeps the signature.
  const tamperedUrl = signed.url.replace('%2B1.txt?', '%2B2.txt?');
  if (!state.checks.require('the signed URL to contain the encoded key', tamperedUrl !== signed.url)) return;
  printLine('tamper', 'changed the key to "uploads/alice/hello world+2.txt", kept the signature');

  const s3 = await callS3({ ...signed, url: tamperedUrl });
  state.checks.expect('S3 status of the tampered URL', s3.status, 403);
  state.checks.expect('S3 error code of the tampered URL', xmlElements(s3.body, 'Code')[0], 'SignatureDoesNotMatch');
}

async function rejectMissingToken(state: DemoState): Promise<void> {
  await askOpenraz(state, undefined, { operation: 'GetObject', bucket: DEMO_BUCKET, key: UPLOAD_KEY }, 401, 'ERR_AUTH_TOKEN_MISSING');
}

async function showAuditLog(state: DemoState): Promise<void> {
  const records = await readAudit(state.environment);
  printLine('file', `${records.length} JSON lines; the first one in full:`);
  console.log(`     ${JSON.stringify(records[0])}`);
  printLine('all', 'decision  user   operation      resource                                   policy');
  for (const record of records) {
    const resource = `${String(record.bucket)}/${String(record.key ?? record.prefix)}`;
    const policy = record.policyId === undefined ? '-' : String(record.policyId);
    printLine('', `${String(record.decision).padEnd(9)} ${String(record.user).padEnd(6)} ${String(record.operation).padEnd(14)} ${resource.padEnd(42)} ${policy}`);
  }

  state.checks.expect('audit lines', records.length, state.decisionIds.length);
  const text = JSON.stringify(records);
  const leaked = [...state.environment.tokens.values()].some((token) => text.includes(token)) || /X-Amz-Signature/i.test(text);
  state.checks.require('the audit log to contain no token and no signature', !leaked);
}

async function showDecisionMetrics(state: DemoState): Promise<void> {
  const response = await fetch(`${state.environment.openrazUrl}/metrics`);
  state.checks.expect('/metrics status', response.status, 200);
  printLine('asks', 'GET /metrics, the openraz_decisions_total series:');

  const series = (await response.text()).split('\n').filter((line) => line.startsWith('openraz_decisions_total{'));
  for (const line of series) console.log(`     ${line}`);
  const total = series.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  state.checks.expect('decisions counted in /metrics', total, state.decisionIds.length);
}

/**
 * Sends one sign request as `user` (no Authorization header when undefined), prints the
 * decision and the audit reason, and checks the status and error code. Returns the presigned
 * request when openraz signed one.
 */
async function askOpenraz(
  state: DemoState,
  user: DemoUser | undefined,
  request: SignRequest,
  expectedStatus: number,
  expectedCode?: string,
): Promise<Required<Pick<SignResponse, 'method' | 'url' | 'headers'>> | undefined> {
  const { environment, checks } = state;
  printLine('asks', `${user?.name ?? 'someone without a token'}: ${describeSignRequest(request)}`);

  const token = user === undefined ? undefined : environment.tokens.get(user.name);
  const response = await fetch(`${environment.openrazUrl}/v1/sign`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(request),
  });
  const body = (await response.json()) as SignResponse;
  printDecision(response.status, body);
  if (body.decisionId !== undefined) {
    state.decisionIds.push(body.decisionId);
    const record = (await readAudit(environment)).find((line) => line.decisionId === body.decisionId);
    printLine('audit', record === undefined ? '(no audit line found)' : String(record.reason));
  }
  if (body.url !== undefined) printLine('URL', `${body.method ?? '?'} ${redactPresignedUrl(body.url)}`);

  checks.expect('openraz status', response.status, expectedStatus);
  if (expectedCode !== undefined) checks.expect('openraz error code', body.code, expectedCode);
  if (response.status !== 200) {
    checks.require('no URL in an error response', body.url === undefined);
    return undefined;
  }
  if (body.method === undefined || body.url === undefined) {
    checks.require('a method and a URL in the sign response', false);
    return undefined;
  }
  return { method: body.method, url: body.url, headers: body.headers ?? {} };
}

function printDecision(status: number, body: SignResponse): void {
  if (status === 200) {
    printLine('openraz', `${status}, signed a URL (policy ${body.policyId ?? '?'})`);
  } else {
    printLine('openraz', `${status} ${body.code ?? '?'}, no URL: "${body.message ?? ''}"`);
  }
}

function describeSignRequest(request: SignRequest): string {
  if (request.operation === 'ListObjectsV2') return `${request.operation} s3://${request.bucket}/${request.prefix ?? ''}*`;
  return `${request.operation} s3://${request.bucket}/${request.key ?? ''}`;
}

/** Sends the presigned request to S3 and prints S3's status (and error code, if any). */
async function callS3(signed: { method: string; url: string; headers: Record<string, string> }, body?: string): Promise<{ status: number; body: string }> {
  const response = await fetch(signed.url, { method: signed.method, headers: signed.headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const errorCode = xmlElements(text, 'Code')[0];
  const detail = body === undefined ? '' : `, ${Buffer.byteLength(body)} bytes stored`;
  printLine('S3', `${response.status} ${response.statusText}${errorCode === undefined ? detail : ` ${errorCode}`}`);
  return { status: response.status, body: text };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
