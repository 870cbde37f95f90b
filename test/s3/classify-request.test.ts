import { createHash } from 'node:crypto';
import t from 'tap';
import { OpenRazError, type ErrorCode } from '../../src/errors/index.js';
import { classifyRequest, parseStorageTarget, relocateFieldError, validateOperationRequest, type S3RequestDescription } from '../../src/s3/index.js';
import { catchOpenRazError } from '../fixtures/errors.js';

const pathStyle = parseStorageTarget('http://127.0.0.1:7480', 'us-east-1', true);
const virtualHosted = parseStorageTarget('https://s3.eu-central-1.amazonaws.com', 'eu-central-1', false);
const base = 'http://127.0.0.1:7480/bkt';
const hash = (text: string): string => createHash('sha256').update(text).digest('hex');
const deleteBody = '<Delete><Object><Key>a.txt</Key></Object></Delete>';
const tagBody = '<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>';

t.test('each operation from its raw request', async (t) => {
  const cases: [name: string, description: S3RequestDescription, request: Record<string, unknown>, signed?: Record<string, string>][] = [
    ['GetObject', { method: 'GET', url: `${base}/a/b.txt` }, { operation: 'GetObject', bucket: 'bkt', key: 'a/b.txt' }],
    [
      'GetObject with range, version and override',
      {
        method: 'GET',
        url: `${base}/k?versionId=v1&response-content-disposition=attachment%3B%20filename%3D%22a.txt%22&partNumber=2`,
        headers: { Range: 'bytes=0-9' },
      },
      {
        operation: 'GetObject',
        bucket: 'bkt',
        key: 'k',
        versionId: 'v1',
        partNumber: 2,
        range: 'bytes=0-9',
        responseOverrides: { contentDisposition: 'attachment; filename="a.txt"' },
      },
    ],
    ['HeadObject', { method: 'HEAD', url: `${base}/k` }, { operation: 'HeadObject', bucket: 'bkt', key: 'k' }],
    [
      'PutObject with typed upload headers',
      {
        method: 'PUT',
        url: `${base}/up/photo.png`,
        headers: {
          'Content-Type': 'image/png',
          'Content-Length': '48213',
          'If-None-Match': '*',
          'x-amz-server-side-encryption': 'AES256',
          'X-Amz-Meta-Color': ' blue ',
          'x-amz-storage-class': 'STANDARD_IA',
          'x-amz-tagging': 'team=a',
          'x-amz-checksum-crc32': 'AAAAAA==',
          'user-agent': 'client/1.0',
          'x-amz-user-agent': 'aws-sdk-js/3',
        },
      },
      {
        operation: 'PutObject',
        bucket: 'bkt',
        key: 'up/photo.png',
        contentType: 'image/png',
        contentLength: 48213,
        ifNoneMatch: '*',
        serverSideEncryption: 'AES256',
      },
      { 'x-amz-meta-color': 'blue', 'x-amz-storage-class': 'STANDARD_IA', 'x-amz-tagging': 'team=a', 'x-amz-checksum-crc32': 'AAAAAA==' },
    ],
    ['DeleteObject', { method: 'DELETE', url: `${base}/k?versionId=v1` }, { operation: 'DeleteObject', bucket: 'bkt', key: 'k', versionId: 'v1' }],
    ['GetObjectTagging', { method: 'GET', url: `${base}/k?tagging` }, { operation: 'GetObjectTagging', bucket: 'bkt', key: 'k' }],
    [
      'PutObjectTagging',
      { method: 'PUT', url: `${base}/k?tagging=`, body: tagBody },
      { operation: 'PutObjectTagging', bucket: 'bkt', key: 'k', body: tagBody },
    ],
    [
      'GetObjectAttributes',
      { method: 'GET', url: `${base}/k?attributes`, headers: { 'x-amz-object-attributes': 'ETag, ObjectSize' } },
      { operation: 'GetObjectAttributes', bucket: 'bkt', key: 'k', objectAttributes: ['ETag', 'ObjectSize'] },
    ],
    [
      'CreateMultipartUpload',
      { method: 'POST', url: `${base}/k?uploads`, headers: { 'content-type': 'text/csv' } },
      { operation: 'CreateMultipartUpload', bucket: 'bkt', key: 'k', contentType: 'text/csv' },
    ],
    [
      'UploadPart',
      {
        method: 'PUT',
        url: `${base}/k?partNumber=2&uploadId=u1`,
        headers: { 'content-length': '5242880', 'content-type': 'application/octet-stream' },
      },
      { operation: 'UploadPart', bucket: 'bkt', key: 'k', partNumber: 2, uploadId: 'u1', contentLength: 5242880 },
    ],
    [
      'UploadPartCopy',
      {
        method: 'PUT',
        url: `${base}/k?uploadId=u1&partNumber=1`,
        headers: { 'x-amz-copy-source': 'src/a%20b.txt', 'x-amz-copy-source-range': 'bytes=0-9' },
      },
      {
        operation: 'UploadPartCopy',
        bucket: 'bkt',
        key: 'k',
        partNumber: 1,
        uploadId: 'u1',
        copySource: { bucket: 'src', key: 'a b.txt' },
        copySourceRange: 'bytes=0-9',
      },
    ],
    [
      'CompleteMultipartUpload',
      { method: 'POST', url: `${base}/k?uploadId=u1` },
      { operation: 'CompleteMultipartUpload', bucket: 'bkt', key: 'k', uploadId: 'u1' },
    ],
    [
      'AbortMultipartUpload',
      { method: 'DELETE', url: `${base}/k?uploadId=u1` },
      { operation: 'AbortMultipartUpload', bucket: 'bkt', key: 'k', uploadId: 'u1' },
    ],
    [
      'ListParts',
      { method: 'GET', url: `${base}/k?uploadId=u1&max-parts=10&part-number-marker=2` },
      { operation: 'ListParts', bucket: 'bkt', key: 'k', uploadId: 'u1', maxParts: 10, partNumberMarker: 2 },
    ],
    [
      'ListMultipartUploads',
      { method: 'GET', url: `${base}?uploads&prefix=a%2F&key-marker=a%2Fb&upload-id-marker=u0&max-uploads=5` },
      { operation: 'ListMultipartUploads', bucket: 'bkt', prefix: 'a/', keyMarker: 'a/b', uploadIdMarker: 'u0', maxUploads: 5 },
    ],
    [
      'CopyObject',
      {
        method: 'PUT',
        url: `${base}/k`,
        headers: { 'x-amz-copy-source': '/src/a%2Bb?versionId=v2', 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-a': '1' },
      },
      { operation: 'CopyObject', bucket: 'bkt', key: 'k', copySource: { bucket: 'src', key: 'a+b', versionId: 'v2' } },
      { 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-a': '1' },
    ],
    ['DeleteObjects', { method: 'POST', url: `${base}?delete`, body: deleteBody }, { operation: 'DeleteObjects', bucket: 'bkt', body: deleteBody }],
    ['ListBuckets', { method: 'GET', url: 'http://127.0.0.1:7480/' }, { operation: 'ListBuckets' }],
    ['ListBuckets without a path', { method: 'GET', url: 'http://127.0.0.1:7480' }, { operation: 'ListBuckets' }],
    ['HeadBucket', { method: 'HEAD', url: base }, { operation: 'HeadBucket', bucket: 'bkt' }],
    ['GetBucketLocation', { method: 'GET', url: `${base}?location` }, { operation: 'GetBucketLocation', bucket: 'bkt' }],
    [
      'ListObjectsV2',
      {
        method: 'GET',
        url: `${base}?list-type=2&prefix=a%2F&delimiter=%2F&max-keys=10&continuation-token=t%3D%3D&start-after=a%2Fb&encoding-type=url`,
      },
      {
        operation: 'ListObjectsV2',
        bucket: 'bkt',
        prefix: 'a/',
        delimiter: '/',
        maxKeys: 10,
        continuationToken: 't==',
        startAfter: 'a/b',
        encodingType: 'url',
      },
    ],
    [
      'ListObjects',
      { method: 'GET', url: `${base}?prefix=a%2F&marker=a%2Fm` },
      { operation: 'ListObjects', bucket: 'bkt', prefix: 'a/', marker: 'a/m' },
    ],
    [
      'ListObjectVersions',
      { method: 'GET', url: `${base}?versions&key-marker=k&version-id-marker=v` },
      { operation: 'ListObjectVersions', bucket: 'bkt', keyMarker: 'k', versionIdMarker: 'v' },
    ],
    ['key decoded once', { method: 'GET', url: `${base}/a%2520b` }, { operation: 'GetObject', bucket: 'bkt', key: 'a%20b' }],
    [
      'UTF-8 key',
      { method: 'GET', url: `${base}/%C3%BCber/na%C3%AFve%20%E6%97%A5.txt` },
      { operation: 'GetObject', bucket: 'bkt', key: 'über/naïve 日.txt' },
    ],
    [
      'special characters',
      { method: 'GET', url: `${base}/it%27s%20%281%29%2A~%21.pdf` },
      { operation: 'GetObject', bucket: 'bkt', key: "it's (1)*~!.pdf" },
    ],
    ['empty segments kept', { method: 'GET', url: `${base}//x//y/` }, { operation: 'GetObject', bucket: 'bkt', key: '/x//y/' }],
    ['dot segments kept literally', { method: 'GET', url: `${base}/a/../b` }, { operation: 'GetObject', bucket: 'bkt', key: 'a/../b' }],
    ['upper-case scheme and host', { method: 'GET', url: 'HTTP://127.0.0.1:7480/bkt/k' }, { operation: 'GetObject', bucket: 'bkt', key: 'k' }],
    ['empty query', { method: 'GET', url: `${base}/k?` }, { operation: 'GetObject', bucket: 'bkt', key: 'k' }],
    [
      'host header equal to the URL',
      { method: 'GET', url: `${base}/k`, headers: { Host: '127.0.0.1:7480' } },
      { operation: 'GetObject', bucket: 'bkt', key: 'k' },
    ],
    [
      'content-md5 without body',
      { method: 'PUT', url: `${base}/k`, headers: { 'Content-MD5': '1B2M2Y8AsgTpgAmY7PhCfg==' } },
      { operation: 'PutObject', bucket: 'bkt', key: 'k' },
      { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' },
    ],
    [
      'content-md5 equal to the body',
      { method: 'POST', url: `${base}?delete`, body: deleteBody, headers: { 'content-md5': createHash('md5').update(deleteBody).digest('base64') } },
      { operation: 'DeleteObjects', bucket: 'bkt', body: deleteBody },
    ],
    [
      'headers unsigned when the operation does not take them',
      { method: 'GET', url: `${base}/k`, headers: { 'content-type': 'text/plain', 'if-none-match': '"abc"', accept: '*/*' } },
      { operation: 'GetObject', bucket: 'bkt', key: 'k' },
    ],
    [
      'checksum mode on a read',
      { method: 'GET', url: `${base}/k`, headers: { 'x-amz-checksum-mode': 'ENABLED', 'x-amz-expected-bucket-owner': '111122223333' } },
      { operation: 'GetObject', bucket: 'bkt', key: 'k' },
      { 'x-amz-checksum-mode': 'ENABLED', 'x-amz-expected-bucket-owner': '111122223333' },
    ],
  ];

  for (const [name, description, request, signed = {}] of cases) {
    const classified = classifyRequest(description, pathStyle);
    t.same(classified.request, request, `${name}: request`);
    t.same(classified.headers, signed, `${name}: headers signed as given`);
    t.doesNotThrow(() => validateOperationRequest(classified.request), `${name}: a valid operation request`);
  }
});

t.test('virtual-hosted URLs', async (t) => {
  const get = classifyRequest({ method: 'GET', url: 'https://bkt.s3.eu-central-1.amazonaws.com/a%20b' }, virtualHosted);
  t.same(get.request, { operation: 'GetObject', bucket: 'bkt', key: 'a b' });
  t.equal(get.url.host, 'bkt.s3.eu-central-1.amazonaws.com');

  const list = classifyRequest({ method: 'GET', url: 'https://bkt.s3.eu-central-1.amazonaws.com/?list-type=2&prefix=x%2F' }, virtualHosted);
  t.same(list.request, { operation: 'ListObjectsV2', bucket: 'bkt', prefix: 'x/' });
  const root = classifyRequest({ method: 'GET', url: 'https://bkt.s3.eu-central-1.amazonaws.com:443' }, virtualHosted);
  t.same(root.request, { operation: 'ListObjects', bucket: 'bkt' }, 'default port and missing path');

  const dotted = classifyRequest({ method: 'GET', url: 'https://s3.eu-central-1.amazonaws.com/my.bkt/k' }, virtualHosted);
  t.same(dotted.request, { operation: 'GetObject', bucket: 'my.bkt', key: 'k' }, 'a dotted bucket is path-style');
  const buckets = classifyRequest({ method: 'GET', url: 'https://s3.eu-central-1.amazonaws.com/' }, virtualHosted);
  t.same(buckets.request, { operation: 'ListBuckets' });
});

t.test('payload hash and SDK query parameter', async (t) => {
  const hex = hash('part data');
  t.equal(
    classifyRequest({ method: 'PUT', url: `${base}/k`, headers: { 'X-Amz-Content-Sha256': hex } }, pathStyle).payloadHash,
    hex,
    'from the header',
  );
  t.equal(
    classifyRequest({ method: 'PUT', url: `${base}/k`, payloadHash: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }, pathStyle).payloadHash,
    'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
    'from the field',
  );
  t.equal(
    classifyRequest({ method: 'PUT', url: `${base}/k`, payloadHash: hex, headers: { 'x-amz-content-sha256': hex } }, pathStyle).payloadHash,
    hex,
    'both, equal',
  );
  t.equal(classifyRequest({ method: 'PUT', url: `${base}/k` }, pathStyle).payloadHash, undefined, 'none: the signer uses UNSIGNED-PAYLOAD');
  const withBody = classifyRequest(
    { method: 'POST', url: `${base}?delete`, body: deleteBody, headers: { 'x-amz-content-sha256': hash(deleteBody) } },
    pathStyle,
  );
  t.equal(withBody.payloadHash, undefined, 'with a body, its own hash is signed');

  const sdk = classifyRequest({ method: 'GET', url: `${base}/k?x-id=GetObject` }, pathStyle);
  t.same(sdk.query, { 'x-id': 'GetObject' });
  t.same(sdk.request, { operation: 'GetObject', bucket: 'bkt', key: 'k' });
});

t.test('rejections name the code and field', async (t) => {
  const cases: [name: string, description: S3RequestDescription, code: ErrorCode, field: string][] = [
    ['relative URL', { method: 'GET', url: 'bkt/k' }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['other scheme', { method: 'GET', url: 'ftp://127.0.0.1:7480/bkt/k' }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['space in URL', { method: 'GET', url: `${base}/a b` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['non-ASCII in URL', { method: 'GET', url: `${base}/über` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['fragment', { method: 'GET', url: `${base}/k#x` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['user info', { method: 'GET', url: 'http://user@127.0.0.1:7480/bkt/k' }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['invalid percent-encoding', { method: 'GET', url: `${base}/a%zz` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['truncated percent-encoding', { method: 'GET', url: `${base}/a%2` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['invalid UTF-8', { method: 'GET', url: `${base}/%FF` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['overlong UTF-8 for "/"', { method: 'GET', url: `${base}/a%C0%AFb` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['plus sign in the path', { method: 'GET', url: `${base}/a+b` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['encoded unreserved character', { method: 'GET', url: `${base}/%7Ex` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['encoded slash', { method: 'GET', url: `${base}/a%2Fb` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['lower-case hex', { method: 'GET', url: `${base}/a%3ab` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['encoded dot segment', { method: 'GET', url: `${base}/a/%2E%2E/b` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['another host', { method: 'GET', url: 'http://evil.example/bkt/k' }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['another port', { method: 'GET', url: 'http://127.0.0.1:7481/bkt/k' }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['https to an http endpoint', { method: 'GET', url: 'https://127.0.0.1:7480/bkt/k' }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['trailing slash after the bucket', { method: 'GET', url: `${base}/?list-type=2` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['query not encoded as SigV4 does', { method: 'GET', url: `${base}?list-type=2&prefix=a+b` }, 'ERR_REQUEST_URL_INVALID', 'query.prefix'],
    ['query with lower-case hex', { method: 'GET', url: `${base}?list-type=2&prefix=a%2fb` }, 'ERR_REQUEST_URL_INVALID', 'query.prefix'],
    ['invalid percent-encoding in the query', { method: 'GET', url: `${base}?list-type=2&prefix=%G0` }, 'ERR_REQUEST_URL_INVALID', 'query.prefix'],
    ['parameter given twice', { method: 'GET', url: `${base}?list-type=2&prefix=a&prefix=b` }, 'ERR_REQUEST_URL_INVALID', 'query.prefix'],
    ['empty parameter', { method: 'GET', url: `${base}?list-type=2&&prefix=a` }, 'ERR_REQUEST_URL_INVALID', 'url'],
    ['unknown parameter', { method: 'GET', url: `${base}/k?acl` }, 'ERR_REQUEST_URL_INVALID', 'query.acl'],
    ['presigned parameters', { method: 'GET', url: `${base}/k?X-Amz-Expires=60` }, 'ERR_REQUEST_URL_INVALID', 'query.X-Amz-Expires'],
    ['parameter the operation does not take', { method: 'GET', url: `${base}/k?max-keys=5` }, 'ERR_REQUEST_URL_INVALID', 'query.max-keys'],
    [
      'response override on HeadObject',
      { method: 'HEAD', url: `${base}/k?response-content-type=text%2Fplain` },
      'ERR_REQUEST_URL_INVALID',
      'query.response-content-type',
    ],
    ['flag with a value', { method: 'GET', url: `${base}/k?tagging=x` }, 'ERR_REQUEST_URL_INVALID', 'query.tagging'],
    ['list-type 1', { method: 'GET', url: `${base}?list-type=1` }, 'ERR_REQUEST_URL_INVALID', 'query.list-type'],
    ['x-id of another operation', { method: 'GET', url: `${base}/k?x-id=PutObject` }, 'ERR_REQUEST_URL_INVALID', 'query.x-id'],
    ['number with leading zero', { method: 'GET', url: `${base}?list-type=2&max-keys=010` }, 'ERR_REQUEST_URL_INVALID', 'query.max-keys'],
    ['number that is not decimal', { method: 'PUT', url: `${base}/k?partNumber=0x2&uploadId=u` }, 'ERR_REQUEST_URL_INVALID', 'query.partNumber'],
    ['CreateBucket', { method: 'PUT', url: base }, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
    ['DeleteBucket', { method: 'DELETE', url: base }, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
    ['POST to an object without a query', { method: 'POST', url: `${base}/k` }, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
    ['PUT on the service root', { method: 'PUT', url: 'http://127.0.0.1:7480/' }, 'ERR_REQUEST_OPERATION_UNSUPPORTED', 'method'],
    [
      'Authorization from the caller',
      { method: 'GET', url: `${base}/k`, headers: { Authorization: 'AWS4-HMAC-SHA256 x' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.authorization',
    ],
    [
      'X-Amz-Date from the caller',
      { method: 'GET', url: `${base}/k`, headers: { 'X-Amz-Date': '20260101T000000Z' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-date',
    ],
    [
      'session token from the caller',
      { method: 'GET', url: `${base}/k`, headers: { 'x-amz-security-token': 't' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-security-token',
    ],
    [
      'canned ACL',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-acl': 'public-read' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-acl',
    ],
    [
      'grant',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-grant-read': 'uri=http://acs.amazonaws.com/groups/global/AllUsers' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-grant-read',
    ],
    [
      'object lock',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-object-lock-mode': 'COMPLIANCE' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-object-lock-mode',
    ],
    [
      'governance bypass',
      { method: 'DELETE', url: `${base}/k`, headers: { 'x-amz-bypass-governance-retention': 'true' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-bypass-governance-retention',
    ],
    [
      'website redirect',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-website-redirect-location': '/x' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-website-redirect-location',
    ],
    [
      'encryption on a read',
      { method: 'GET', url: `${base}/k`, headers: { 'x-amz-server-side-encryption': 'AES256' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-server-side-encryption',
    ],
    [
      'copy source on tagging',
      { method: 'PUT', url: `${base}/k?tagging`, body: tagBody, headers: { 'x-amz-copy-source': 'src/k' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-copy-source',
    ],
    [
      'metadata on a read',
      { method: 'GET', url: `${base}/k`, headers: { 'x-amz-meta-a': '1' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-meta-a',
    ],
    [
      'metadata directive on PutObject',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-metadata-directive': 'COPY' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-metadata-directive',
    ],
    [
      'tagging on UploadPart',
      { method: 'PUT', url: `${base}/k?partNumber=1&uploadId=u`, headers: { 'x-amz-tagging': 'a=b' } },
      'ERR_REQUEST_HEADER_NOT_ALLOWED',
      'headers.x-amz-tagging',
    ],
    [
      'signed streaming payload',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-content-sha256',
    ],
    [
      'signed streaming payload with trailer',
      { method: 'PUT', url: `${base}/k`, payloadHash: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER' },
      'ERR_REQUEST_INVALID',
      'payloadHash',
    ],
    [
      'upper-case hex hash',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-content-sha256': hash('x').toUpperCase() } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-content-sha256',
    ],
    ['hash of another length', { method: 'PUT', url: `${base}/k`, payloadHash: 'abc' }, 'ERR_REQUEST_INVALID', 'payloadHash'],
    [
      'field and header differ',
      { method: 'PUT', url: `${base}/k`, payloadHash: hash('a'), headers: { 'x-amz-content-sha256': hash('b') } },
      'ERR_REQUEST_INVALID',
      'payloadHash',
    ],
    [
      'hash of another body',
      { method: 'POST', url: `${base}?delete`, body: deleteBody, headers: { 'x-amz-content-sha256': hash('other') } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-content-sha256',
    ],
    [
      'unsigned payload with a body',
      { method: 'POST', url: `${base}?delete`, body: deleteBody, payloadHash: 'UNSIGNED-PAYLOAD' },
      'ERR_REQUEST_INVALID',
      'payloadHash',
    ],
    [
      'MD5 of another body',
      { method: 'POST', url: `${base}?delete`, body: deleteBody, headers: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' } },
      'ERR_REQUEST_INVALID',
      'headers.content-md5',
    ],
    ['malformed MD5', { method: 'PUT', url: `${base}/k`, headers: { 'content-md5': 'abc' } }, 'ERR_REQUEST_INVALID', 'headers.content-md5'],
    ['another host header', { method: 'GET', url: `${base}/k`, headers: { host: 'evil.example' } }, 'ERR_REQUEST_INVALID', 'headers.host'],
    [
      'non-ASCII header value',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-meta-a': 'über' } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-meta-a',
    ],
    [
      'line break in a header value',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-meta-a': 'a\r\nx-amz-acl: public-read' } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-meta-a',
    ],
    ['invalid header name', { method: 'PUT', url: `${base}/k`, headers: { 'bad name': 'x' } }, 'ERR_REQUEST_INVALID', 'headers.bad name'],
    [
      'header given twice',
      { method: 'PUT', url: `${base}/k`, headers: { 'X-Amz-Meta-A': '1', 'x-amz-meta-a': '2' } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-meta-a',
    ],
    [
      'content-length not a number',
      { method: 'PUT', url: `${base}/k`, headers: { 'content-length': '12abc' } },
      'ERR_REQUEST_INVALID',
      'headers.content-length',
    ],
    [
      'copy source without key',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-copy-source': 'src' } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-copy-source',
    ],
    [
      'copy source not encoded as SigV4 does',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-copy-source': 'src/a+b' } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-copy-source',
    ],
    [
      'copy source with another parameter',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-copy-source': 'src/a?partNumber=1' } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-copy-source',
    ],
    [
      'copy source with invalid UTF-8',
      { method: 'PUT', url: `${base}/k`, headers: { 'x-amz-copy-source': 'src/%FF' } },
      'ERR_REQUEST_INVALID',
      'headers.x-amz-copy-source',
    ],
  ];

  for (const [name, description, code, field] of cases) {
    const error = catchOpenRazError(() => classifyRequest(description, pathStyle));
    t.equal(error?.code, code, `${name}: code`, { message: error?.message });
    t.equal(error?.details.field, field, `${name}: field`);
  }
});

t.test('addressing style must be the endpoint one', async (t) => {
  const pathOnVirtual = catchOpenRazError(() =>
    classifyRequest({ method: 'GET', url: 'https://s3.eu-central-1.amazonaws.com/bkt/k' }, virtualHosted),
  );
  t.equal(pathOnVirtual?.code, 'ERR_REQUEST_URL_INVALID');
  t.match(pathOnVirtual?.message, 'https://bkt.s3.eu-central-1.amazonaws.com/k', 'the message shows the URL to use');
  const virtualOnPath = catchOpenRazError(() => classifyRequest({ method: 'GET', url: 'http://bkt.127.0.0.1:7480/k' }, pathStyle));
  t.equal(virtualOnPath?.code, 'ERR_REQUEST_URL_INVALID');
  const dottedVirtual = catchOpenRazError(() =>
    classifyRequest({ method: 'GET', url: 'https://my.bkt.s3.eu-central-1.amazonaws.com/k' }, virtualHosted),
  );
  t.equal(dottedVirtual?.code, 'ERR_REQUEST_URL_INVALID', 'a dotted bucket is signed path-style');
});

t.test('field errors move to their source', async (t) => {
  const cases: [field: string, source: string][] = [
    ['key', 'url'],
    ['bucket', 'url'],
    ['maxKeys', 'query.max-keys'],
    ['responseOverrides.contentType', 'query.response-content-type'],
    ['contentType', 'headers.content-type'],
    ['copySource', 'headers.x-amz-copy-source'],
    ['copySource.bucket', 'headers.x-amz-copy-source'],
    ['objectAttributes', 'headers.x-amz-object-attributes'],
  ];
  for (const [field, source] of cases) {
    const moved = relocateFieldError(
      new OpenRazError('ERR_REQUEST_INVALID', `Field "${field}" is invalid.`, { field, decisionId: 'd1' }),
    ) as OpenRazError;
    t.equal(moved.details.field, source, field);
    t.equal(moved.details.decisionId, 'd1', `${field}: other details stay`);
    t.match(moved.message, `Field "${field}" is invalid.`, `${field}: the message keeps the original`);
  }
  const body = new OpenRazError('ERR_REQUEST_BODY_INVALID', 'Field "body" is invalid.', { field: 'body' });
  t.equal(relocateFieldError(body), body, 'body stays body');
  const plain = new Error('x');
  t.equal(relocateFieldError(plain), plain, 'other errors pass');
});
