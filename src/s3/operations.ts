import { createHash } from 'node:crypto';
import { escapeUri } from '@smithy/util-uri-escape';
import { EVERY_BUCKET_NAME, type AccessType, type ResourceRequest } from '../policy/index.js';
import type { DeletedObject } from './delete-objects.js';
import { encodeKeyPath } from './encode.js';
import { OPERATION_SPECS, type OperationName, type RequestField } from './operation-specs.js';

export { OPERATIONS, type OperationName } from './operation-specs.js';

/** `responseOverrides`: the `response-*` query parameters GetObject accepts, by field name. */
export interface ResponseOverrides {
  contentType?: string;
  contentDisposition?: string;
  cacheControl?: string;
  expires?: string;
}

/** The object a copy reads from. */
export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/**
 * A request to sign one S3 operation, as the sign API receives it. Which fields an operation
 * takes is in operation-specs.ts; `validateOperationRequest` enforces it.
 */
export interface OperationRequest {
  operation: OperationName;
  /** Absent only for ListBuckets. */
  bucket?: string;
  key?: string;
  prefix?: string;
  delimiter?: string;
  maxKeys?: number;
  continuationToken?: string;
  startAfter?: string;
  encodingType?: 'url';
  /** ListObjects (v1): the key to start after. */
  marker?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  uploadIdMarker?: string;
  maxUploads?: number;
  maxParts?: number;
  partNumberMarker?: number;
  versionId?: string;
  /** A part number from 1 to 10000. */
  partNumber?: number;
  uploadId?: string;
  /** An HTTP `Range` header value such as `bytes=0-1023`, signed as the header. */
  range?: string;
  responseOverrides?: ResponseOverrides;
  copySource?: CopySource;
  /** UploadPartCopy: the byte range of the source, as `bytes=first-last`. */
  copySourceRange?: string;
  /** The media type of an upload, signed as the `Content-Type` header. */
  contentType?: string;
  /** The exact size of an upload in bytes, signed as the `Content-Length` header. */
  contentLength?: number;
  /** Server-side encryption to sign into an upload, as S3's `x-amz-server-side-encryption`. */
  serverSideEncryption?: ServerSideEncryption;
  /** `*` makes the upload fail when the key exists (a conditional write). */
  ifNoneMatch?: '*';
  /** GetObjectAttributes: the attributes to return, signed as `x-amz-object-attributes`. */
  objectAttributes?: string[];
  /**
   * The XML request body of DeleteObjects or PutObjectTagging. Its SHA-256 and MD5 are signed,
   * so the URL works with this body only.
   */
  body?: string;
}

export type ServerSideEncryption = 'AES256' | 'aws:kms' | 'aws:kms:dsse';

/** One authorization an operation needs: an access type on a resource. */
export interface OperationAccess {
  accessType: AccessType;
  resource: ResourceRequest;
  /** The reason the operation needs it, for denial messages. */
  role: 'target' | 'copy-source' | 'deleted-key' | 'every-bucket';
  /** The object version the access reads, deletes or tags, for the audit line. */
  versionId?: string;
  /** The multipart upload the access works on, for the audit line. */
  uploadId?: string;
}

/** The name of a browser form upload (S3's POST Object), which the form-upload route signs. */
export const FORM_UPLOAD_OPERATION = 'PostObject';

/** One S3 request, described completely enough to authorize and sign it. */
export interface S3Operation {
  name: OperationName | typeof FORM_UPLOAD_OPERATION;
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  /** The bucket in the URL; absent for ListBuckets, which addresses the service. */
  bucket?: string;
  /** The object key in the URL; absent for bucket operations. */
  key?: string;
  /** Query parameters to sign into the URL, by their S3 names; a flag such as `uploads` has the value "". */
  query: Record<string, string>;
  /** Headers to sign; the caller must send them exactly. Names are lower case. */
  headers: Record<string, string>;
  /** Every authorization the operation needs; all must allow. The first is the operation's own. */
  accesses: OperationAccess[];
  /** The hex SHA-256 of the request body when the body is fixed; otherwise the payload is unsigned. */
  payloadSha256?: string;
}

/** The resource ListBuckets is decided on: `list` granted on every bucket, written as the bucket `*`. */
export const EVERY_BUCKET: ResourceRequest = { kind: 'prefix', bucket: EVERY_BUCKET_NAME, prefix: '' };

/** Query parameter names of the request fields that travel in the query string. */
export const QUERY_NAMES: Partial<Record<RequestField, string>> = {
  prefix: 'prefix',
  delimiter: 'delimiter',
  maxKeys: 'max-keys',
  continuationToken: 'continuation-token',
  startAfter: 'start-after',
  encodingType: 'encoding-type',
  marker: 'marker',
  keyMarker: 'key-marker',
  versionIdMarker: 'version-id-marker',
  uploadIdMarker: 'upload-id-marker',
  maxUploads: 'max-uploads',
  maxParts: 'max-parts',
  partNumberMarker: 'part-number-marker',
  versionId: 'versionId',
  partNumber: 'partNumber',
  uploadId: 'uploadId',
};

/** Header names of the request fields that travel as signed headers. */
export const HEADER_NAMES: Partial<Record<RequestField, string>> = {
  range: 'range',
  copySourceRange: 'x-amz-copy-source-range',
  contentType: 'content-type',
  contentLength: 'content-length',
  serverSideEncryption: 'x-amz-server-side-encryption',
  ifNoneMatch: 'if-none-match',
};

/** Query parameter names of the `responseOverrides` fields. */
export const RESPONSE_OVERRIDE_NAMES: Record<keyof ResponseOverrides, string> = {
  contentType: 'response-content-type',
  contentDisposition: 'response-content-disposition',
  cacheControl: 'response-cache-control',
  expires: 'response-expires',
};

/**
 * Maps a sign request to the S3 request it stands for. The request must already be valid
 * (`validateOperationRequest`); DeleteObjects also needs the keys parsed from its body.
 *
 * @param deleted DeleteObjects only: the objects its body deletes, each authorized for `delete`.
 */
export function describeOperation(request: OperationRequest, deleted: readonly DeletedObject[] = []): S3Operation {
  const spec = OPERATION_SPECS[request.operation];
  const query: Record<string, string> = { ...spec.query };
  const headers: Record<string, string> = {};

  for (const field of spec.fields) {
    const value = request[field];
    if (value === undefined) continue;
    const queryName = QUERY_NAMES[field];
    if (queryName !== undefined) query[queryName] = String(value);
    const headerName = HEADER_NAMES[field];
    if (headerName !== undefined) headers[headerName] = String(value);
  }
  for (const [field, name] of Object.entries(RESPONSE_OVERRIDE_NAMES) as [keyof ResponseOverrides, string][]) {
    const value = request.responseOverrides?.[field];
    if (value !== undefined) query[name] = value;
  }
  if (request.objectAttributes !== undefined) headers['x-amz-object-attributes'] = request.objectAttributes.join(',');
  if (request.operation === 'GetObjectAttributes') moveToHeaders(query, headers);
  if (request.copySource !== undefined) headers['x-amz-copy-source'] = formatCopySource(request.copySource);
  // A copy keeps the source's metadata, Content-Type included, unless the request replaces
  // it. The declared type that the policies checked must be the type stored.
  if (request.operation === 'CopyObject' && request.contentType !== undefined) headers['x-amz-metadata-directive'] = 'REPLACE';

  const operation: S3Operation = {
    name: request.operation,
    method: spec.method,
    query,
    headers,
    accesses: describeAccesses(request, deleted),
  };
  if (request.bucket !== undefined) operation.bucket = request.bucket;
  if (spec.resource === 'object') operation.key = request.key!;
  if (request.body !== undefined) {
    // S3 checks Content-MD5 against the body it receives, and the signed SHA-256 binds the
    // signature to this body, so the URL cannot carry another body.
    const body = Buffer.from(request.body, 'utf8');
    operation.payloadSha256 = createHash('sha256').update(body).digest('hex');
    headers['content-md5'] = createHash('md5').update(body).digest('base64');
  }
  return operation;
}

function describeAccesses(request: OperationRequest, deleted: readonly DeletedObject[]): OperationAccess[] {
  const spec = OPERATION_SPECS[request.operation];
  const bucket = request.bucket ?? '';
  switch (spec.resource) {
    case 'service':
      return [{ accessType: spec.accessType, resource: EVERY_BUCKET, role: 'every-bucket' }];
    case 'bucket':
      return [{ accessType: spec.accessType, resource: { kind: 'prefix', bucket, prefix: '' }, role: 'target' }];
    case 'prefix':
      return [{ accessType: spec.accessType, resource: { kind: 'prefix', bucket, prefix: request.prefix ?? '' }, role: 'target' }];
    case 'deleted-keys':
      return deleted.map(({ key, versionId }) => ({
        accessType: spec.accessType,
        resource: { kind: 'object', bucket, key },
        role: 'deleted-key',
        ...(versionId === undefined ? {} : { versionId }),
      }));
    case 'object': {
      const target: OperationAccess = { accessType: spec.accessType, resource: { kind: 'object', bucket, key: request.key! }, role: 'target' };
      if (request.versionId !== undefined) target.versionId = request.versionId;
      if (request.uploadId !== undefined) target.uploadId = request.uploadId;
      const accesses = [target];
      const source = request.copySource;
      if (source !== undefined) {
        accesses.push({
          accessType: 'read',
          resource: { kind: 'object', bucket: source.bucket, key: source.key },
          role: 'copy-source',
          ...(source.versionId === undefined ? {} : { versionId: source.versionId }),
        });
      }
      return accesses;
    }
  }
}

/** GetObjectAttributes takes its paging parameters as headers, where ListParts takes them in the query. */
export const OBJECT_ATTRIBUTES_HEADER_NAMES: Partial<Record<RequestField, string>> = {
  maxParts: 'x-amz-max-parts',
  partNumberMarker: 'x-amz-part-number-marker',
};

function moveToHeaders(query: Record<string, string>, headers: Record<string, string>): void {
  for (const [field, headerName] of Object.entries(OBJECT_ATTRIBUTES_HEADER_NAMES) as [RequestField, string][]) {
    const queryName = QUERY_NAMES[field]!;
    if (query[queryName] === undefined) continue;
    headers[headerName] = query[queryName];
    delete query[queryName];
  }
}

/**
 * Formats `x-amz-copy-source`: `bucket/key` with the key URI-encoded per segment (S3 decodes
 * it once), and `?versionId=` when a version is named.
 */
export function formatCopySource(source: CopySource): string {
  const path = `${source.bucket}/${encodeKeyPath(source.key)}`;
  return source.versionId === undefined ? path : `${path}?versionId=${escapeUri(source.versionId)}`;
}
