/**
 * Measures the cost of preparing and signing each kind of operation, in one process and
 * interleaved, and reports its ratio to a presigned GetObject. The kinds are a multipart part,
 * a copy, header authentication, and a DeleteObjects of 1000 keys (XML parse, body hashes,
 * signature).
 *
 * Run: node --import tsx bench/operations.ts [rounds]
 */
import { UrlSigner, describeOperation, parseDeleteObjectsBody, parseStorageTarget, validateOperationRequest, type OperationRequest } from '../src/s3/index.js';

const rounds = Number(process.argv[2] ?? 5);
const perRound = 2_000;
const target = parseStorageTarget('http://127.0.0.1:7480', 'us-east-1', true);
const signer = new UrlSigner(target, { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' });
const signingDate = new Date('2026-01-02T10:00:00Z');

const deleteBody = `<Delete>${Array.from({ length: 1000 }, (_, index) => `<Object><Key>reports/2026/part-${index}.csv</Key></Object>`).join('')}</Delete>`;

const cases: Record<string, () => Promise<unknown>> = {
  'GetObject, presigned (baseline)': () => presign({ operation: 'GetObject', bucket: 'reports', key: '2026/q1/sales report.csv' }),
  'UploadPart, presigned': () => presign({ operation: 'UploadPart', bucket: 'reports', key: '2026/big.parquet', partNumber: 7, uploadId: '2~AbCdEf' }),
  'CopyObject, presigned': () => presign({ operation: 'CopyObject', bucket: 'reports', key: '2026/copy.csv', copySource: { bucket: 'raw', key: '2026/q1.csv' } }),
  'GetObject, signed headers': () => {
    const request: OperationRequest = { operation: 'GetObject', bucket: 'reports', key: '2026/q1/sales report.csv', range: 'bytes=0-1023' };
    validateOperationRequest(request);
    return signer.signHeaders(describeOperation(request), { signingDate });
  },
  'DeleteObjects of 1000 keys, presigned': () => {
    const request: OperationRequest = { operation: 'DeleteObjects', bucket: 'reports', body: deleteBody };
    validateOperationRequest(request);
    return signer.presign(describeOperation(request, parseDeleteObjectsBody(deleteBody)), { expiresInSeconds: 300, signingDate });
  },
};

function presign(request: OperationRequest): Promise<unknown> {
  validateOperationRequest(request);
  return signer.presign(describeOperation(request), { expiresInSeconds: 300, signingDate });
}

async function measure(run: () => Promise<unknown>, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await run();
  return Number(process.hrtime.bigint() - start) / count;
}

/** The DeleteObjects case is about 1000 times heavier, so it runs fewer times per round. */
const countOf = (name: string): number => (name.startsWith('DeleteObjects') ? perRound / 100 : perRound);

for (const [name, run] of Object.entries(cases)) await measure(run, countOf(name)); // warm-up

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(cases)) samples[name]!.push(await measure(run, countOf(name)));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const baseline = median(Object.values(samples)[0]!);
for (const [name, values] of Object.entries(samples)) {
  const value = median(values);
  console.log(`${name.padEnd(40)} median ${(value / 1000).toFixed(1).padStart(8)} µs   ratio to baseline ${(value / baseline).toFixed(2)}`);
}
