/**
 * Compares presigning with Node's native SHA-256 (@smithy/hash-node) against the pure-JS
 * @aws-crypto/sha256-js, in one process, interleaved, and reports the ratio.
 *
 * Run: node --import tsx bench/signing-hash.ts [rounds]
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { UrlSigner, describeOperation, nodeSha256, parseStorageTarget, type Sha256Constructor } from '../src/s3/index.js';

const rounds = Number(process.argv[2] ?? 5);
const perRound = 20_000;
const target = parseStorageTarget('http://127.0.0.1:7480', 'us-east-1', true);
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const operation = describeOperation({ operation: 'GetObject', bucket: 'reports', key: '2026/q1/sales report.csv' });
const signingDate = new Date('2026-01-02T10:00:00Z');

const signers: Record<string, UrlSigner> = {
  'native (@smithy/hash-node)': new UrlSigner(target, credentials, nodeSha256),
  'pure JS (@aws-crypto/sha256-js)': new UrlSigner(target, credentials, Sha256 as unknown as Sha256Constructor),
};

async function measure(signer: UrlSigner): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) await signer.presign(operation, { expiresInSeconds: 300, signingDate });
  return Number(process.hrtime.bigint() - start) / perRound;
}

for (const signer of Object.values(signers)) await measure(signer); // warm-up

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(signers).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, signer] of Object.entries(signers)) samples[name]!.push(await measure(signer));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const [nativeName, pureName] = Object.keys(signers) as [string, string];
for (const [name, values] of Object.entries(samples)) {
  console.log(`${name.padEnd(34)} median ${(median(values) / 1000).toFixed(2)} µs per presign over ${rounds} rounds of ${perRound}`);
}
console.log(`ratio pure JS / native: ${(median(samples[pureName]!) / median(samples[nativeName]!)).toFixed(2)}`);
