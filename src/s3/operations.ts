import type { AccessType, ResourceRequest } from '../policy/index.js';

/** The S3 operations openraz signs. */
export const OPERATIONS = ['GetObject', 'HeadObject', 'PutObject', 'DeleteObject', 'ListObjectsV2'] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** A validated request to sign one S3 operation, as the sign API receives it. */
export interface OperationRequest {
  operation: OperationName;
  bucket: string;
  key?: string;
  prefix?: string;
  delimiter?: string;
  maxKeys?: number;
  continuationToken?: string;
  startAfter?: string;
  encodingType?: 'url';
  /** PutObject only: the media type, signed as the `Content-Type` header. */
  contentType?: string;
  /** PutObject only: the exact size in bytes, signed as the `Content-Length` header. */
  contentLength?: number;
}

/** One S3 request, described completely enough to authorize and sign it. */
export interface S3Operation {
  name: OperationName;
  method: 'GET' | 'HEAD' | 'PUT' | 'DELETE';
  accessType: AccessType;
  resource: ResourceRequest;
  /** Operation parameters to sign into the URL, by their S3 query names. */
  query: Record<string, string>;
  /** Headers to sign; the caller must send them exactly. Names are lower case. */
  headers: Record<string, string>;
}

interface OperationSpec {
  method: S3Operation['method'];
  accessType: AccessType;
}

const OBJECT_OPERATIONS: Record<Exclude<OperationName, 'ListObjectsV2'>, OperationSpec> = {
  GetObject: { method: 'GET', accessType: 'read' },
  HeadObject: { method: 'HEAD', accessType: 'read' },
  PutObject: { method: 'PUT', accessType: 'write' },
  DeleteObject: { method: 'DELETE', accessType: 'delete' },
};

/**
 * Maps a sign request to the S3 request it stands for. The request must already be valid:
 * a key for object operations, and list parameters only for ListObjectsV2.
 */
export function describeOperation(request: OperationRequest): S3Operation {
  if (request.operation === 'ListObjectsV2') {
    return {
      name: request.operation,
      method: 'GET',
      accessType: 'list',
      resource: { kind: 'prefix', bucket: request.bucket, prefix: request.prefix ?? '' },
      query: listQuery(request),
      headers: {},
    };
  }

  const spec = OBJECT_OPERATIONS[request.operation];
  return {
    name: request.operation,
    method: spec.method,
    accessType: spec.accessType,
    resource: { kind: 'object', bucket: request.bucket, key: request.key ?? '' },
    query: {},
    headers: uploadHeaders(request),
  };
}

/** Builds the signed list query: every list parameter the caller gave is signed, so changing one invalidates the URL. */
function listQuery(request: OperationRequest): Record<string, string> {
  const query: Record<string, string> = { 'list-type': '2' };
  if (request.prefix !== undefined) query.prefix = request.prefix;
  if (request.delimiter !== undefined) query.delimiter = request.delimiter;
  if (request.maxKeys !== undefined) query['max-keys'] = String(request.maxKeys);
  if (request.continuationToken !== undefined) query['continuation-token'] = request.continuationToken;
  if (request.startAfter !== undefined) query['start-after'] = request.startAfter;
  if (request.encodingType !== undefined) query['encoding-type'] = request.encodingType;
  return query;
}

/**
 * Returns the upload headers to sign. A declared type and size are signed, so S3 rejects an upload that sends
 * another type or size than the one the policies checked.
 */
function uploadHeaders(request: OperationRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  if (request.contentType !== undefined) headers['content-type'] = request.contentType;
  if (request.contentLength !== undefined) headers['content-length'] = String(request.contentLength);
  return headers;
}
