// Checks the local radosgw gateway and the fixture's SigV4 client that the other tests rely on:
// signed writes and reads round-trip, radosgw rejects wrong signatures, and the STS gateway
// accepts only session tokens that it issued.
import { createHash, randomBytes } from 'node:crypto';

import t from 'tap';

import {
  createBucket,
  gatewayAccessKey,
  gatewayEndpoint,
  gatewaySecretKey,
  getSessionToken,
  s3ErrorCode,
  signedS3Request,
  startGateway,
  stsGatewayEndpoint,
} from './fixtures/gateway.js';

// On a fresh machine startGateway() first installs Ceph with apt-get, which can take longer
// than tap's default 30 s timeout. A cold start without installing took about 4 s.
t.setTimeout(5 * 60_000);

const bucket = `openraz-gateway-test-${Date.now()}`;
// The key contains a space, so the path must be sent and signed encoded exactly once.
const objectPath = `/${bucket}/${encodeURIComponent('round trip.bin')}`;
const objectBytes = randomBytes(4096);
const wrongCredentials = {
  accessKeyId: gatewayAccessKey,
  secretAccessKey: `${gatewaySecretKey.slice(0, -1)}X`,
};

t.before(async () => {
  await startGateway();
  await createBucket(bucket);
});

t.teardown(async () => {
  await signedS3Request('DELETE', objectPath);
  await signedS3Request('DELETE', `/${bucket}`);
});

t.test('signed PUT then GET round-trips bytes', async (t) => {
  const put = await signedS3Request('PUT', objectPath, {
    body: objectBytes,
    headers: { 'content-type': 'application/octet-stream' },
  });
  t.equal(put.status, 200, 'PUT status', { responseBody: put.body.toString() });
  t.equal(put.headers.etag, `"${createHash('md5').update(objectBytes).digest('hex')}"`, 'ETag is the MD5 of the body');

  const get = await signedS3Request('GET', objectPath);
  t.equal(get.status, 200, 'GET status', { responseBody: get.body.toString() });
  t.equal(get.body.length, objectBytes.length, 'GET body length');
  t.ok(get.body.equals(objectBytes), 'GET returns the bytes that were PUT');
  t.equal(get.headers['content-type'], 'application/octet-stream', 'stored Content-Type');
});

t.test('list objects with query parameters', async (t) => {
  const list = await signedS3Request('GET', `/${bucket}`, {
    query: { 'list-type': '2', prefix: 'round trip' },
  });
  t.equal(list.status, 200, 'ListObjectsV2 status', { responseBody: list.body.toString() });
  t.match(list.body.toString(), '<Key>round trip.bin</Key>', 'listing contains the decoded key');
  t.match(list.body.toString(), '<KeyCount>1</KeyCount>', 'listing has one key');
});

t.test('wrong secret gets SignatureDoesNotMatch', async (t) => {
  const get = await signedS3Request('GET', objectPath, { credentials: wrongCredentials });
  t.equal(get.status, 403, 'GET status');
  t.equal(s3ErrorCode(get.body), 'SignatureDoesNotMatch', 'GET error code');

  const put = await signedS3Request('PUT', objectPath, {
    body: 'overwritten',
    credentials: wrongCredentials,
  });
  t.equal(put.status, 403, 'PUT status');
  t.equal(s3ErrorCode(put.body), 'SignatureDoesNotMatch', 'PUT error code');

  const check = await signedS3Request('GET', objectPath);
  t.equal(check.status, 200, 'GET with the right secret');
  t.ok(check.body.equals(objectBytes), 'rejected PUT left the object unchanged');
});

t.test('unknown access key gets InvalidAccessKeyId', async (t) => {
  const get = await signedS3Request('GET', objectPath, {
    credentials: { accessKeyId: 'OPENRAZUNKNOWNKEY000', secretAccessKey: gatewaySecretKey },
  });
  t.equal(get.status, 403, 'GET status');
  t.equal(s3ErrorCode(get.body), 'InvalidAccessKeyId', 'GET error code');
});

t.test('body hash mismatch is rejected', async (t) => {
  const put = await signedS3Request('PUT', `/${bucket}/hash-mismatch`, {
    body: 'actual body',
    headers: { 'x-amz-content-sha256': createHash('sha256').update('other body').digest('hex') },
  });
  t.equal(put.status, 400, 'PUT status');
  t.equal(s3ErrorCode(put.body), 'XAmzContentSHA256Mismatch', 'PUT error code');
});

t.test('STS gateway accepts requests without a token', async (t) => {
  const get = await signedS3Request('GET', objectPath, { endpoint: stsGatewayEndpoint });
  t.equal(get.status, 200, 'GET status', { responseBody: get.body.toString() });
  t.ok(get.body.equals(objectBytes), 'STS gateway serves the same object');
});

t.test('GetSessionToken credentials work on STS gateway', async (t) => {
  const credentials = await getSessionToken();
  t.not(credentials.accessKeyId, gatewayAccessKey, 'temporary access key differs from the user key');
  t.ok(credentials.sessionToken.length > 0, 'session token is not empty');

  const get = await signedS3Request('GET', objectPath, { endpoint: stsGatewayEndpoint, credentials });
  t.equal(get.status, 200, 'GET status', { responseBody: get.body.toString() });
  t.ok(get.body.equals(objectBytes), 'temporary credentials read the object');
});

// radosgw 16.2.15 rejects a token that it cannot decrypt with 400 InvalidArgument or with
// 403 AccessDenied, depending on the token. The short token got 400 and the long one 403.
const fakeSessionTokens = [
  { name: 'short', sessionToken: Buffer.from('not-a-real-token').toString('base64') },
  { name: 'long', sessionToken: Buffer.from('not a token issued by this gateway').toString('base64') },
];

for (const { name, sessionToken } of fakeSessionTokens) {
  t.test(`fake ${name} session token`, async (t) => {
    const credentials = { accessKeyId: gatewayAccessKey, secretAccessKey: gatewaySecretKey, sessionToken };

    const plain = await signedS3Request('GET', objectPath, { endpoint: gatewayEndpoint, credentials });
    t.equal(plain.status, 200, 'plain gateway ignores the token');

    const sts = await signedS3Request('GET', objectPath, { endpoint: stsGatewayEndpoint, credentials });
    const code = s3ErrorCode(sts.body);
    t.ok([400, 403].includes(sts.status), 'STS gateway rejects the token with 400 or 403', {
      status: sts.status,
    });
    t.ok(code === 'InvalidArgument' || code === 'AccessDenied', 'error code', { code });
  });
}
