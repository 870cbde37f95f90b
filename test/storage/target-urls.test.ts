import t from 'tap';
import { escapeUri } from '@smithy/util-uri-escape';
import type { StorageCredentials } from '../../src/s3/index.js';
import { referenceSignature } from '../fixtures/sigv4-reference.js';
import { startTestServiceFor } from '../fixtures/service.js';
import { createSigningClient } from '../fixtures/signing-client.js';
import { createTestKeysFor } from '../fixtures/tokens.js';

// URLs signed through the whole service for several targets, each checked byte for byte and
// against an independent SigV4 computation (test/fixtures/sigv4-reference.ts).

const keys = await createTestKeysFor(t);
const policies = [
  {
    id: 1,
    name: 'all',
    resources: { bucket: { values: ['*'] }, path: { values: ['*'] } },
    policyItems: [{ users: ['bob'], accesses: [{ type: 'read' }] }],
  },
];
const signingInstant = new Date('2025-01-02T12:00:00Z');
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const keysFromEnvironment = { source: 'static' };

const targets = [
  { name: 'minio', buckets: ['minio-*'], endpoint: 'http://minio.local:9000', forcePathStyle: true, credentials: keysFromEnvironment },
  { name: 'example', buckets: ['example-*'], endpoint: 'https://s3.example.com:443', credentials: keysFromEnvironment },
  { name: 'aws-ireland', buckets: ['my.data', 'ie-*'], region: 'eu-west-1', credentials: keysFromEnvironment },
  { name: 'aws-frankfurt', buckets: ['eu-*'], region: 'eu-central-1', credentials: keysFromEnvironment },
  {
    name: 'r2',
    buckets: ['media-*'],
    endpoint: 'https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
    region: 'auto',
    credentials: keysFromEnvironment,
  },
];

async function signWith(credentials: StorageCredentials, bucket: string, key: string): Promise<{ url: string; expiresAt: string }> {
  const { service } = await startTestServiceFor(t, { keys, policies, credentials, config: { s3: { targets } }, now: () => signingInstant });
  return createSigningClient(service, keys, { now: () => signingInstant }).mustSign('bob', { operation: 'GetObject', bucket, key });
}

function queryParam(url: string, name: string): string | undefined {
  return url
    .split('?')[1]
    ?.split('&')
    .find((pair) => pair.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

const longTermKeys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey };

t.test('custom port stays in URL and signed host', async (t) => {
  const { url } = await signWith(longTermKeys, 'minio-bkt', 'a.txt');
  t.match(url, /^http:\/\/minio\.local:9000\/minio-bkt\/a\.txt\?/);
  t.equal(queryParam(url, 'X-Amz-SignedHeaders'), 'host');
  t.equal(
    queryParam(url, 'X-Amz-Signature'),
    referenceSignature({ method: 'GET', url, secretAccessKey, signedHeaders: { host: 'minio.local:9000' } }),
  );
  t.not(
    queryParam(url, 'X-Amz-Signature'),
    referenceSignature({ method: 'GET', url, secretAccessKey, signedHeaders: { host: 'minio.local' } }),
    'the port is part of the signed host',
  );
});

t.test('port 443 is dropped from the host', async (t) => {
  const { url } = await signWith(longTermKeys, 'example-bkt', 'a.txt');
  t.match(url, /^https:\/\/example-bkt\.s3\.example\.com\/a\.txt\?/);
  t.notMatch(url, /:443/);
  t.equal(
    queryParam(url, 'X-Amz-Signature'),
    referenceSignature({ method: 'GET', url, secretAccessKey, signedHeaders: { host: 'example-bkt.s3.example.com' } }),
  );
});

t.test('dotted AWS bucket is path-style', async (t) => {
  const { url } = await signWith(longTermKeys, 'my.data', 'a.txt');
  t.match(url, /^https:\/\/s3\.eu-west-1\.amazonaws\.com\/my\.data\/a\.txt\?/);
  t.equal(queryParam(url, 'X-Amz-Credential'), 'AKIDEXAMPLE%2F20250102%2Feu-west-1%2Fs3%2Faws4_request');
  t.equal(
    queryParam(url, 'X-Amz-Signature'),
    referenceSignature({ method: 'GET', url, secretAccessKey, signedHeaders: { host: 's3.eu-west-1.amazonaws.com' } }),
  );

  const hosted = await signWith(longTermKeys, 'ie-logs', 'a.txt');
  t.match(hosted.url, /^https:\/\/ie-logs\.s3\.eu-west-1\.amazonaws\.com\/a\.txt\?/, 'a bucket without dots is virtual-hosted');
});

t.test('R2 signs in region auto', async (t) => {
  const { url } = await signWith(longTermKeys, 'media-img', 'a.txt');
  t.match(url, /^https:\/\/media-img\.0123456789abcdef0123456789abcdef\.r2\.cloudflarestorage\.com\/a\.txt\?/);
  t.equal(queryParam(url, 'X-Amz-Credential'), 'AKIDEXAMPLE%2F20250102%2Fauto%2Fs3%2Faws4_request');
});

t.test('session token is in the canonical query', async (t) => {
  const sessionToken = 'FwoGZXIvYXdzEJr//////////wEaDH+example/token==';
  const expiration = new Date(signingInstant.getTime() + 3600_000);
  const { url } = await signWith({ accessKeyId: 'ASIAEXAMPLESTS000001', secretAccessKey, sessionToken, expiration }, 'eu-reports', 'q1/a b.csv');

  t.match(url, /^https:\/\/eu-reports\.s3\.eu-central-1\.amazonaws\.com\/q1\/a%20b\.csv\?/);
  t.equal(queryParam(url, 'X-Amz-Credential'), 'ASIAEXAMPLESTS000001%2F20250102%2Feu-central-1%2Fs3%2Faws4_request');
  t.equal(queryParam(url, 'X-Amz-Security-Token'), escapeUri(sessionToken));
  t.equal(
    queryParam(url, 'X-Amz-Security-Token'),
    'FwoGZXIvYXdzEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaDH%2Bexample%2Ftoken%3D%3D',
    'percent-encoded once',
  );

  const host = 'eu-reports.s3.eu-central-1.amazonaws.com';
  const signature = queryParam(url, 'X-Amz-Signature');
  t.equal(
    signature,
    referenceSignature({ method: 'GET', url, secretAccessKey, signedHeaders: { host } }),
    'the reference signs every query parameter, the token too',
  );
  const withoutToken = url.replace(/&X-Amz-Security-Token=[^&]*/, '');
  t.not(withoutToken, url);
  t.not(
    signature,
    referenceSignature({ method: 'GET', url: withoutToken, secretAccessKey, signedHeaders: { host } }),
    'the signature covers the token',
  );
});

t.test('access key with a plus is encoded', async (t) => {
  const { url } = await signWith({ accessKeyId: 'abc+abc', secretAccessKey }, 'eu-reports', 'a.txt');
  t.equal(queryParam(url, 'X-Amz-Credential'), 'abc%2Babc%2F20250102%2Feu-central-1%2Fs3%2Faws4_request');
  t.equal(
    queryParam(url, 'X-Amz-Signature'),
    referenceSignature({ method: 'GET', url, secretAccessKey, signedHeaders: { host: 'eu-reports.s3.eu-central-1.amazonaws.com' } }),
  );
});
