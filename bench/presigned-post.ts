/**
 * Compares presigning a browser form upload with openraz's presignPost (Node's HMAC) against
 * @aws-sdk/s3-presigned-post's createPresignedPost, in one process, interleaved, and reports
 * the ratio. Both sign the same policy: a key prefix, a size limit, an image type family and
 * SSE, for a path-style target.
 *
 * Run: node --import tsx bench/presigned-post.ts [rounds]
 */
import type { PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { parseStorageTarget, presignPost, type PostUploadRequest } from '../src/s3/index.js';
import { createSdkClient, presignPostWithSdk } from '../test/fixtures/sdk-presigned-post.js';

const rounds = Number(process.argv[2] ?? 5);
const perRound = 10_000;
const target = parseStorageTarget('http://127.0.0.1:7480', 'us-east-1', true);
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2026-01-02T10:00:00Z');
const request: PostUploadRequest = {
  bucket: 'uploads',
  prefix: 'inbox/alice/',
  constraints: { maxBytes: 10_485_760, contentTypes: ['image/*'], serverSideEncryption: 'AES256' },
  expiresInSeconds: 300,
  signingDate,
};

const clientStart = process.hrtime.bigint();
const client = createSdkClient(target, credentials);
const clientMicros = Number(process.hrtime.bigint() - clientStart) / 1000;
const sdkOptions: PresignedPostOptions = {
  Bucket: request.bucket,
  Key: 'inbox/alice/${filename}',
  Conditions: [
    ['content-length-range', 0, 10_485_760],
    ['starts-with', '$Content-Type', 'image/'],
  ],
  Fields: { 'x-amz-server-side-encryption': 'AES256' },
  Expires: 300,
};

const variants: Record<string, () => Promise<unknown>> = {
  'presignPost (node:crypto HMAC)': async () => presignPost(target, credentials, request),
  'createPresignedPost (@aws-sdk)': () => presignPostWithSdk(client, sdkOptions, signingDate),
};

async function measure(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < perRound; i++) await run();
  return Number(process.hrtime.bigint() - start) / perRound;
}

const firstCallStart = process.hrtime.bigint();
await variants['createPresignedPost (@aws-sdk)']!();
const firstCallMicros = Number(process.hrtime.bigint() - firstCallStart) / 1000;
for (const run of Object.values(variants)) await measure(run); // warm-up

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(variants)) samples[name]!.push(await measure(run));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const [ownName, sdkName] = Object.keys(variants) as [string, string];
for (const [name, values] of Object.entries(samples)) {
  console.log(`${name.padEnd(32)} median ${(median(values) / 1000).toFixed(2)} µs per form over ${rounds} rounds of ${perRound}`);
}
console.log(`ratio @aws-sdk / presignPost: ${(median(samples[sdkName]!) / median(samples[ownName]!)).toFixed(1)}`);
console.log(`@aws-sdk one-time cost: S3Client ${clientMicros.toFixed(0)} µs, first call ${firstCallMicros.toFixed(0)} µs`);
