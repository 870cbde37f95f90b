import { createHash } from 'node:crypto';
import t from 'tap';
import {
  OPERATIONS,
  OPERATION_SPECS,
  REQUEST_FIELDS,
  UrlSigner,
  describeOperation,
  formatCopySource,
  parseDeleteObjectsBody,
  parseStorageTarget,
  validateOperationRequest,
  type OperationRequest,
} from '../../src/s3/index.js';
import { catchOpenRazError } from '../fixtures/errors.js';
import { referenceSignature } from '../fixtures/sigv4-reference.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const signingDate = new Date('2025-01-02T23:59:59.999Z');
const target = parseStorageTarget('http://127.0.0.1:9000', 'us-east-1', true);
const signer = new UrlSigner(target, credentials);

/** A valid request for each operation, with every field it takes that has a simple value. */
const EXAMPLES: Record<(typeof OPERATIONS)[number], OperationRequest> = {
  GetObject: {
    operation: 'GetObject',
    bucket: 'bkt',
    key: 'd/a.txt',
    versionId: 'v1',
    range: 'bytes=0-9',
    responseOverrides: { contentType: 'text/plain' },
  },
  HeadObject: { operation: 'HeadObject', bucket: 'bkt', key: 'd/a.txt', partNumber: 2 },
  PutObject: { operation: 'PutObject', bucket: 'bkt', key: 'd/a.txt', contentType: 'text/plain', contentLength: 3 },
  DeleteObject: { operation: 'DeleteObject', bucket: 'bkt', key: 'd/a.txt', versionId: 'v1' },
  GetObjectTagging: { operation: 'GetObjectTagging', bucket: 'bkt', key: 'd/a.txt' },
  PutObjectTagging: { operation: 'PutObjectTagging', bucket: 'bkt', key: 'd/a.txt', body: '<Tagging><TagSet/></Tagging>' },
  GetObjectAttributes: { operation: 'GetObjectAttributes', bucket: 'bkt', key: 'd/a.txt', objectAttributes: ['ETag', 'ObjectSize'], maxParts: 5 },
  CreateMultipartUpload: { operation: 'CreateMultipartUpload', bucket: 'bkt', key: 'd/a.txt' },
  UploadPart: { operation: 'UploadPart', bucket: 'bkt', key: 'd/a.txt', partNumber: 3, uploadId: '2~Ab+c/d' },
  CompleteMultipartUpload: { operation: 'CompleteMultipartUpload', bucket: 'bkt', key: 'd/a.txt', uploadId: 'u1' },
  AbortMultipartUpload: { operation: 'AbortMultipartUpload', bucket: 'bkt', key: 'd/a.txt', uploadId: 'u1' },
  ListParts: { operation: 'ListParts', bucket: 'bkt', key: 'd/a.txt', uploadId: 'u1', maxParts: 10 },
  ListMultipartUploads: { operation: 'ListMultipartUploads', bucket: 'bkt', prefix: 'd/' },
  CopyObject: { operation: 'CopyObject', bucket: 'bkt', key: 'd/b.txt', copySource: { bucket: 'src', key: 'e/a b+c.txt', versionId: 'v/1' } },
  UploadPartCopy: {
    operation: 'UploadPartCopy',
    bucket: 'bkt',
    key: 'd/b.txt',
    partNumber: 1,
    uploadId: 'u1',
    copySource: { bucket: 'src', key: 'e/a' },
    copySourceRange: 'bytes=0-99',
  },
  DeleteObjects: { operation: 'DeleteObjects', bucket: 'bkt', body: '<Delete><Object><Key>d/a.txt</Key></Object></Delete>' },
  ListBuckets: { operation: 'ListBuckets' },
  HeadBucket: { operation: 'HeadBucket', bucket: 'bkt' },
  GetBucketLocation: { operation: 'GetBucketLocation', bucket: 'bkt' },
  ListObjectsV2: { operation: 'ListObjectsV2', bucket: 'bkt', prefix: 'd/', delimiter: '/' },
  ListObjects: { operation: 'ListObjects', bucket: 'bkt', prefix: 'd/', marker: 'd/a' },
  ListObjectVersions: { operation: 'ListObjectVersions', bucket: 'bkt', prefix: 'd/', keyMarker: 'd/a', versionIdMarker: 'v1' },
};

/** The method and path each example must be signed for, and a query parameter it must carry. */
const EXPECTED: Record<(typeof OPERATIONS)[number], [method: string, path: string, query: RegExp]> = {
  GetObject: ['GET', '/bkt/d/a.txt', /&response-content-type=text%2Fplain&versionId=v1&/],
  HeadObject: ['HEAD', '/bkt/d/a.txt', /&partNumber=2&/],
  PutObject: ['PUT', '/bkt/d/a.txt', /X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost&/],
  DeleteObject: ['DELETE', '/bkt/d/a.txt', /&versionId=v1&/],
  GetObjectTagging: ['GET', '/bkt/d/a.txt', /&tagging=&/],
  PutObjectTagging: ['PUT', '/bkt/d/a.txt', /X-Amz-SignedHeaders=content-md5%3Bhost%3Bx-amz-content-sha256&tagging=&/],
  GetObjectAttributes: ['GET', '/bkt/d/a.txt', /&X-Amz-SignedHeaders=host%3Bx-amz-max-parts%3Bx-amz-object-attributes&attributes=&X-Amz-Signature=/],
  CreateMultipartUpload: ['POST', '/bkt/d/a.txt', /&uploads=&/],
  UploadPart: ['PUT', '/bkt/d/a.txt', /&X-Amz-SignedHeaders=host&partNumber=3&uploadId=2~Ab%2Bc%2Fd&X-Amz-Signature=/],
  CompleteMultipartUpload: ['POST', '/bkt/d/a.txt', /&uploadId=u1&/],
  AbortMultipartUpload: ['DELETE', '/bkt/d/a.txt', /&uploadId=u1&/],
  ListParts: ['GET', '/bkt/d/a.txt', /&max-parts=10&uploadId=u1&/],
  ListMultipartUploads: ['GET', '/bkt', /&prefix=d%2F&uploads=&/],
  CopyObject: ['PUT', '/bkt/d/b.txt', /X-Amz-SignedHeaders=host%3Bx-amz-copy-source&/],
  UploadPartCopy: ['PUT', '/bkt/d/b.txt', /X-Amz-SignedHeaders=host%3Bx-amz-copy-source%3Bx-amz-copy-source-range&partNumber=1&uploadId=u1&/],
  DeleteObjects: ['POST', '/bkt', /X-Amz-SignedHeaders=content-md5%3Bhost%3Bx-amz-content-sha256&delete=&/],
  ListBuckets: ['GET', '/', /X-Amz-SignedHeaders=host&X-Amz-Signature=/],
  HeadBucket: ['HEAD', '/bkt', /X-Amz-SignedHeaders=host&X-Amz-Signature=/],
  GetBucketLocation: ['GET', '/bkt', /&location=&/],
  ListObjectsV2: ['GET', '/bkt', /&delimiter=%2F&list-type=2&prefix=d%2F&/],
  ListObjects: ['GET', '/bkt', /&delimiter=%2F|&marker=d%2Fa&prefix=d%2F&/],
  ListObjectVersions: ['GET', '/bkt', /&key-marker=d%2Fa&prefix=d%2F&version-id-marker=v1&versions=&/],
};

function pathOf(url: string): string {
  const afterScheme = url.indexOf('//') + 2;
  return url.slice(url.indexOf('/', afterScheme), url.indexOf('?'));
}

t.test('every operation signs its method, path and query', async (t) => {
  t.same(Object.keys(EXAMPLES).sort(), [...OPERATIONS].sort(), 'an example per operation');
  for (const name of OPERATIONS) {
    const request = EXAMPLES[name];
    validateOperationRequest(request);
    const deleted = name === 'DeleteObjects' ? parseDeleteObjectsBody(request.body!) : [];
    const operation = describeOperation(request, deleted);
    const presigned = await signer.presign(operation, { expiresInSeconds: 300, signingDate });
    const [method, path, query] = EXPECTED[name];

    t.equal(presigned.method, method, `${name} method`);
    t.equal(pathOf(presigned.url), path, `${name} path`);
    t.match(presigned.url, query, `${name} query`);
    t.notMatch(presigned.url, /x-amz-checksum|x-amz-sdk-checksum-algorithm|x-id=/, `${name} has no SDK checksum or x-id parameter`);
    const expected = referenceSignature({
      method,
      url: presigned.url,
      secretAccessKey: credentials.secretAccessKey,
      signedHeaders: { ...presigned.headers, host: '127.0.0.1:9000' },
      ...(operation.payloadSha256 === undefined ? {} : { payloadHash: operation.payloadSha256 }),
    });
    t.equal(new URL(presigned.url).searchParams.get('X-Amz-Signature'), expected, `${name} signature`);
  }
});

t.test('operation access types and resources', async (t) => {
  const accesses = (name: (typeof OPERATIONS)[number]) => {
    const request = EXAMPLES[name];
    const deleted = name === 'DeleteObjects' ? parseDeleteObjectsBody(request.body!) : [];
    return describeOperation(request, deleted).accesses;
  };
  t.same(accesses('GetObject'), [
    { accessType: 'read', resource: { kind: 'object', bucket: 'bkt', key: 'd/a.txt' }, role: 'target', versionId: 'v1' },
  ]);
  t.same(accesses('CopyObject'), [
    { accessType: 'write', resource: { kind: 'object', bucket: 'bkt', key: 'd/b.txt' }, role: 'target' },
    { accessType: 'read', resource: { kind: 'object', bucket: 'src', key: 'e/a b+c.txt' }, role: 'copy-source', versionId: 'v/1' },
  ]);
  t.same(accesses('DeleteObjects'), [{ accessType: 'delete', resource: { kind: 'object', bucket: 'bkt', key: 'd/a.txt' }, role: 'deleted-key' }]);
  t.same(accesses('ListBuckets'), [{ accessType: 'list', resource: { kind: 'prefix', bucket: '*', prefix: '' }, role: 'every-bucket' }]);
  t.same(accesses('HeadBucket'), [{ accessType: 'list', resource: { kind: 'prefix', bucket: 'bkt', prefix: '' }, role: 'target' }]);
  t.same(accesses('ListMultipartUploads'), [{ accessType: 'list', resource: { kind: 'prefix', bucket: 'bkt', prefix: 'd/' }, role: 'target' }]);
  t.equal(accesses('UploadPart')[0]!.accessType, 'write');
  t.equal(accesses('UploadPart')[0]!.uploadId, '2~Ab+c/d', 'the upload is named for the audit line');
  t.equal(accesses('AbortMultipartUpload')[0]!.accessType, 'write');
});

t.test('copy source header encoding', async (t) => {
  t.equal(formatCopySource({ bucket: 'src', key: 'e/a b+c.txt' }), 'src/e/a%20b%2Bc.txt');
  t.equal(formatCopySource({ bucket: 'src', key: "r/it's (1)*~!.pdf" }), 'src/r/it%27s%20%281%29%2A~%21.pdf');
  t.equal(formatCopySource({ bucket: 'src', key: 'q/a#b?c=d&e', versionId: 'v/1+2' }), 'src/q/a%23b%3Fc%3Dd%26e?versionId=v%2F1%2B2');
  t.equal(formatCopySource({ bucket: 'src', key: 'é/日本' }), 'src/%C3%A9/%E6%97%A5%E6%9C%AC');
});

t.test('body hash and MD5 are signed', async (t) => {
  const body = EXAMPLES.DeleteObjects.body!;
  const operation = describeOperation(EXAMPLES.DeleteObjects, [{ key: 'd/a.txt' }]);
  t.equal(operation.payloadSha256, createHash('sha256').update(body).digest('hex'));
  t.equal(operation.headers['content-md5'], createHash('md5').update(body).digest('base64'));
  const presigned = await signer.presign(operation, { expiresInSeconds: 60, signingDate });
  t.equal(presigned.headers['x-amz-content-sha256'], operation.payloadSha256, 'the hash is a header to send');
  t.notMatch(presigned.url, /X-Amz-Content-Sha256|UNSIGNED-PAYLOAD/, 'and not a query parameter');
});

t.test('B12 response-content-disposition is strictly encoded', async (t) => {
  const request: OperationRequest = {
    operation: 'GetObject',
    bucket: 'bkt',
    key: 'd/cv.pdf',
    responseOverrides: {
      contentDisposition: "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
      cacheControl: 'no-cache',
      expires: 'Thu, 01 Dec 1994 16:00:00 GMT',
    },
  };
  const presigned = await signer.presign(describeOperation(request), { expiresInSeconds: 60, signingDate });
  t.match(presigned.url, /&response-content-disposition=attachment%3B%20filename%2A%3DUTF-8%27%27r%25C3%25A9sum%25C3%25A9\.pdf&/);
  t.match(presigned.url, /&response-cache-control=no-cache&/);
  t.match(presigned.url, /&response-expires=Thu%2C%2001%20Dec%201994%2016%3A00%3A00%20GMT&/);
  t.equal(
    new URL(presigned.url).searchParams.get('X-Amz-Signature'),
    referenceSignature({
      method: 'GET',
      url: presigned.url,
      secretAccessKey: credentials.secretAccessKey,
      signedHeaders: { host: '127.0.0.1:9000' },
    }),
    'the canonical query has the same bytes as the URL',
  );
});

t.test('fields that an operation does not take are rejected', async (t) => {
  for (const name of OPERATIONS) {
    const spec = OPERATION_SPECS[name];
    for (const field of REQUEST_FIELDS) {
      if (spec.fields.includes(field)) continue;
      const request = {
        ...EXAMPLES[name],
        [field]: field === 'copySource' ? { bucket: 'src', key: 'k' } : field === 'objectAttributes' ? ['ETag'] : 'x',
      } as OperationRequest;
      const error = catchOpenRazError(() => validateOperationRequest(request));
      t.equal(error?.code, 'ERR_REQUEST_INVALID', `${name} rejects ${field}`);
      t.equal(error?.details.field, field, `${name} names ${field}`);
    }
    for (const field of spec.required) {
      const request = { ...EXAMPLES[name] } as Record<string, unknown>;
      delete request[field];
      const error = catchOpenRazError(() => validateOperationRequest(request as unknown as OperationRequest));
      t.equal(error?.details.field, field, `${name} needs ${field}`);
    }
  }
});

t.test('field values S3 would reject', async (t) => {
  const cases: [request: OperationRequest, field: string][] = [
    [{ operation: 'GetObject', bucket: 'bkt', key: 'k', range: 'bytes=0-1,5-9' }, 'range'],
    [{ operation: 'GetObject', bucket: 'bkt', key: 'k', range: 'items=0-1' }, 'range'],
    [
      {
        operation: 'UploadPartCopy',
        bucket: 'bkt',
        key: 'k',
        partNumber: 1,
        uploadId: 'u',
        copySource: { bucket: 'src', key: 'k' },
        copySourceRange: 'bytes=5-',
      },
      'copySourceRange',
    ],
    [{ operation: 'CopyObject', bucket: 'bkt', key: 'k', copySource: { bucket: 'a..b', key: 'k' } }, 'copySource.bucket'],
    [{ operation: 'CopyObject', bucket: 'bkt', key: 'k', copySource: { bucket: 'src', key: 'a\nb' } }, 'copySource.key'],
    [{ operation: 'GetObjectAttributes', bucket: 'bkt', key: 'k', objectAttributes: ['Owner'] }, 'objectAttributes'],
    [
      { operation: 'GetObject', bucket: 'bkt', key: 'k', responseOverrides: { contentDisposition: 'a\r\nSet-Cookie: x' } },
      'responseOverrides.contentDisposition',
    ],
    [{ operation: 'ListBuckets', bucket: 'bkt' }, 'bucket'],
    [{ operation: 'HeadBucket' } as OperationRequest, 'bucket'],
    [{ operation: 'ListObjects', bucket: 'bkt', marker: 'é'.repeat(513) }, 'marker'],
  ];
  for (const [request, field] of cases) {
    const error = catchOpenRazError(() => validateOperationRequest(request));
    t.ok(error, `${JSON.stringify(request).slice(0, 80)} is rejected`);
    t.equal(error?.details.field, field, `${field} is named`);
  }
});

t.test('DeleteObjects body parsing', async (t) => {
  t.same(
    parseDeleteObjectsBody(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key> a </Key><VersionId>v1</VersionId></Object></Delete>',
    ),
    [{ key: ' a ', versionId: 'v1' }],
  );
  t.same(parseDeleteObjectsBody('<Delete><Object><Key>a&amp;b&lt;&#233;&#x1F600;</Key></Object><Quiet>false</Quiet></Delete>'), [{ key: 'a&b<é😀' }]);
  t.same(
    parseDeleteObjectsBody('<Delete><Object><Key>007</Key><ETag>"e"</ETag><Size>3</Size></Object></Delete>'),
    [{ key: '007' }],
    'numbers stay text',
  );
  t.equal(parseDeleteObjectsBody(`<Delete>${'<Object><Key>k</Key></Object>'.repeat(1000)}</Delete>`).length, 1000);
  t.same(
    parseDeleteObjectsBody("<?xml version='1.0' encoding='utf-8'?><Delete><Object><Key>k</Key></Object></Delete>"),
    [{ key: 'k' }],
    'UTF-8 may be declared',
  );
  t.throws(() => parseDeleteObjectsBody('<?xml version="1.0" encoding="UTF-16"?><Delete><Object><Key>k</Key></Object></Delete>'), {
    code: 'ERR_REQUEST_BODY_INVALID',
  });
});
