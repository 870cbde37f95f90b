import t from 'tap';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  UrlSigner,
  addressBucket,
  describeOperation,
  encodeKeyPath,
  parseStorageTarget,
  type OperationRequest,
  type Sha256Constructor,
} from '../../src/s3/index.js';
import { referenceSignature } from '../fixtures/sigv4-reference.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2025-01-02T23:59:59.999Z');
const local = parseStorageTarget('http://127.0.0.1:9000', 'us-east-1', true);

function pathOf(url: string): string {
  const afterScheme = url.indexOf('//') + 2;
  return url.slice(url.indexOf('/', afterScheme), url.indexOf('?'));
}

async function presign(request: OperationRequest, signer = new UrlSigner(local, credentials)) {
  return signer.presign(describeOperation(request), { expiresInSeconds: 300, signingDate });
}

t.test('key encoding', async (t) => {
  const cases: [key: string, path: string][] = [
    ['pkgs/libstdc++ docs.rpm', '/bkt/pkgs/libstdc%2B%2B%20docs.rpm'],
    ["r/it's (1)*~!.pdf", '/bkt/r/it%27s%20%281%29%2A~%21.pdf'],
    ['q/a#b?c=d&e', '/bkt/q/a%23b%3Fc%3Dd%26e'],
    ['x/100% done', '/bkt/x/100%25%20done'],
    ['x/a%20b', '/bkt/x/a%2520b'],
    ['x/a%2Fb', '/bkt/x/a%252Fb'],
    ['x/dir/', '/bkt/x/dir/'],
    ['/x/y', '/bkt//x/y'],
    ['a//b', '/bkt/a//b'],
    ['x/../y', '/bkt/x/../y'],
    ['über/naïve 日本.txt', '/bkt/%C3%BCber/na%C3%AFve%20%E6%97%A5%E6%9C%AC.txt'],
  ];
  for (const [key, expected] of cases) {
    const { url } = await presign({ operation: 'GetObject', bucket: 'bkt', key });
    t.equal(pathOf(url), expected, key);
    t.notOk(url.includes('#'), `${key}: no fragment`);
    t.equal(
      url.split('?')[1]!.split('&').map((pair) => pair.split('=')[0]).filter((name) => !name?.startsWith('X-Amz-')).length,
      0,
      `${key}: only signing parameters in the query`,
    );
  }
});

t.test('URL carries exactly the signed bytes', async (t) => {
  const keys = ['pkgs/libstdc++ docs.rpm', "r/it's (1)*~!.pdf", 'q/a#b?c=d&e', '/x/y', 'x/a%2Fb', 'ü/ñ'];
  for (const key of keys) {
    for (const operation of ['GetObject', 'HeadObject', 'PutObject', 'DeleteObject'] as const) {
      const presigned = await presign({ operation, bucket: 'bkt', key });
      const signature = new URL(presigned.url).searchParams.get('X-Amz-Signature');
      const expected = referenceSignature({
        method: presigned.method,
        url: presigned.url,
        secretAccessKey: credentials.secretAccessKey,
        signedHeaders: { host: '127.0.0.1:9000' },
      });
      t.equal(signature, expected, `${operation} ${key}`);
    }
  }
});

t.test('methods per operation', async (t) => {
  const expected = { GetObject: 'GET', HeadObject: 'HEAD', PutObject: 'PUT', DeleteObject: 'DELETE', ListObjectsV2: 'GET' } as const;
  for (const [operation, method] of Object.entries(expected)) {
    const request = operation === 'ListObjectsV2' ? { operation, bucket: 'bkt' } : { operation, bucket: 'bkt', key: 'd/a.txt' };
    const presigned = await presign(request as OperationRequest);
    t.equal(presigned.method, method, operation);
  }
  const get = await presign({ operation: 'GetObject', bucket: 'bkt', key: 'd/a.txt' });
  const head = await presign({ operation: 'HeadObject', bucket: 'bkt', key: 'd/a.txt' });
  t.not(new URL(get.url).searchParams.get('X-Amz-Signature'), new URL(head.url).searchParams.get('X-Amz-Signature'), 'HEAD and GET sign differently');
});

t.test('signing date is read once and truncated', async (t) => {
  const presigned = await presign({ operation: 'GetObject', bucket: 'bkt', key: 'k' });
  const query = new URL(presigned.url).searchParams;
  t.equal(query.get('X-Amz-Date'), '20250102T235959Z');
  t.equal(query.get('X-Amz-Credential'), 'AKIDEXAMPLE/20250102/us-east-1/s3/aws4_request');
  t.equal(query.get('X-Amz-Expires'), '300');
  t.equal(query.get('X-Amz-SignedHeaders'), 'host');
  t.equal(query.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  t.equal(presigned.expiresAt.toISOString(), '2025-01-03T00:04:59.000Z');
  t.same(presigned.headers, {});
  t.notOk(query.has('x-amz-checksum-crc32'), 'no checksum of an empty body');
  t.notOk(query.has('X-Amz-Content-Sha256'));
  t.notOk(query.has('x-id'));
});

t.test('list parameters are signed into the query', async (t) => {
  const presigned = await presign({
    operation: 'ListObjectsV2',
    bucket: 'bkt',
    prefix: 'team/a/',
    delimiter: '/',
    maxKeys: 100,
    continuationToken: '1/abc+=',
    startAfter: 'team/a/m',
  });
  const raw = presigned.url.split('?')[1]!;
  t.match(raw, /(^|&)prefix=team%2Fa%2F(&|$)/);
  t.match(raw, /(^|&)delimiter=%2F(&|$)/);
  t.match(raw, /(^|&)max-keys=100(&|$)/);
  t.match(raw, /(^|&)continuation-token=1%2Fabc%2B%3D(&|$)/);
  t.match(raw, /(^|&)start-after=team%2Fa%2Fm(&|$)/);
  t.match(raw, /(^|&)list-type=2(&|$)/);
  t.equal(pathOf(presigned.url), '/bkt');
  t.equal(
    new URL(presigned.url).searchParams.get('X-Amz-Signature'),
    referenceSignature({ method: 'GET', url: presigned.url, secretAccessKey: credentials.secretAccessKey, signedHeaders: { host: '127.0.0.1:9000' } }),
  );
});

t.test('session token is signed into the query', async (t) => {
  const signer = new UrlSigner(local, { ...credentials, accessKeyId: 'ASIAEXAMPLE', sessionToken: 'tok/en+==' });
  const presigned = await presign({ operation: 'GetObject', bucket: 'bkt', key: 'k' }, signer);
  t.match(presigned.url, /X-Amz-Security-Token=tok%2Fen%2B%3D%3D/);
  t.match(presigned.url, /X-Amz-Credential=ASIAEXAMPLE%2F20250102%2Fus-east-1%2Fs3%2Faws4_request/);
});

t.test('storage targets and addressing', async (t) => {
  const minio = parseStorageTarget('http://minio.local:9000', 'us-east-1', true);
  t.same(addressBucket(minio, 'b'), { host: 'minio.local:9000', pathPrefix: '/b' }, 'a custom port is kept');
  const https443 = parseStorageTarget('https://s3.example.com:443', 'us-east-1', true);
  t.same(addressBucket(https443, 'b'), { host: 's3.example.com', pathPrefix: '/b' }, 'a default port is dropped');
  const aws = parseStorageTarget('https://s3.eu-west-1.amazonaws.com', 'eu-west-1', false);
  t.same(addressBucket(aws, 'my.data'), { host: 's3.eu-west-1.amazonaws.com', pathPrefix: '/my.data' }, 'a dotted bucket is path-style');
  t.same(addressBucket(aws, 'mydata'), { host: 'mydata.s3.eu-west-1.amazonaws.com', pathPrefix: '' }, 'virtual-hosted');
  const ip = parseStorageTarget('http://127.0.0.1:7480', 'us-east-1', false);
  t.same(addressBucket(ip, 'b'), { host: '127.0.0.1:7480', pathPrefix: '/b' }, 'an IP endpoint is path-style');
  const ipv6 = parseStorageTarget('http://[::1]:7480', 'us-east-1', false);
  t.same(addressBucket(ipv6, 'b'), { host: '[::1]:7480', pathPrefix: '/b' });

  const url = (await presign({ operation: 'GetObject', bucket: 'mydata', key: 'a.txt' }, new UrlSigner(aws, credentials))).url;
  t.match(url, /^https:\/\/mydata\.s3\.eu-west-1\.amazonaws\.com\/a\.txt\?/);
  t.match(url, /X-Amz-Credential=AKIDEXAMPLE%2F20250102%2Feu-west-1%2Fs3%2Faws4_request/);

  for (const bad of ['s3.example.com', 'ftp://s3.example.com', 'https://s3.example.com/prefix', 'https://user:pw@s3.example.com', 'https://s3.example.com?x=1']) {
    t.throws(() => parseStorageTarget(bad, 'us-east-1', false), TypeError, bad);
  }
});

t.test('expiry bounds', async (t) => {
  const signer = new UrlSigner(local, credentials);
  const operation = describeOperation({ operation: 'GetObject', bucket: 'bkt', key: 'k' });
  for (const expiresInSeconds of [0, -1, 604_801, 1.5]) {
    await t.rejects(signer.presign(operation, { expiresInSeconds, signingDate }), RangeError, String(expiresInSeconds));
  }
  const longest = await signer.presign(operation, { expiresInSeconds: 604_800, signingDate });
  t.match(longest.url, /X-Amz-Expires=604800/);
});

t.test('pure-JS and native SHA-256 sign alike', async (t) => {
  const pure = new UrlSigner(local, credentials, Sha256 as unknown as Sha256Constructor);
  const native = new UrlSigner(local, credentials);
  const request = { operation: 'PutObject', bucket: 'bkt', key: 'a b/c' } as const;
  t.equal((await presign(request, pure)).url, (await presign(request, native)).url);
});

t.test('encodeKeyPath keeps unreserved characters', async (t) => {
  t.equal(encodeKeyPath('AZaz09-._~/x'), 'AZaz09-._~/x');
  t.equal(encodeKeyPath('a b'), 'a%20b');
});
