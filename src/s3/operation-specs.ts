import type { AccessType, UploadChannel } from '../policy/index.js';

/** The S3 operations openraz signs. */
export const OPERATIONS = [
  'GetObject',
  'HeadObject',
  'PutObject',
  'DeleteObject',
  'GetObjectTagging',
  'PutObjectTagging',
  'GetObjectAttributes',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
  'AbortMultipartUpload',
  'ListParts',
  'ListMultipartUploads',
  'CopyObject',
  'UploadPartCopy',
  'DeleteObjects',
  'ListBuckets',
  'HeadBucket',
  'GetBucketLocation',
  'ListObjectsV2',
  'ListObjects',
  'ListObjectVersions',
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** The request fields that depend on the operation (all but `operation`, `bucket` and `expiresInSeconds`). */
export const REQUEST_FIELDS = [
  'key',
  'prefix',
  'delimiter',
  'maxKeys',
  'continuationToken',
  'startAfter',
  'encodingType',
  'marker',
  'keyMarker',
  'versionIdMarker',
  'uploadIdMarker',
  'maxUploads',
  'maxParts',
  'partNumberMarker',
  'versionId',
  'partNumber',
  'uploadId',
  'range',
  'responseOverrides',
  'copySource',
  'copySourceRange',
  'contentType',
  'contentLength',
  'serverSideEncryption',
  'ifNoneMatch',
  'objectAttributes',
  'body',
] as const;
export type RequestField = (typeof REQUEST_FIELDS)[number];

/**
 * The part of the store an operation addresses, which sets the resource it is decided on:
 * - `object`: the key; a copy also needs `read` on its source.
 * - `prefix`: every key under `prefix` ("" when absent), like a list.
 * - `bucket`: the whole bucket, as a list of the prefix "".
 * - `deleted-keys`: each key in the request body.
 * - `service`: every bucket (ListBuckets).
 */
export type AddressedResource = 'object' | 'prefix' | 'bucket' | 'deleted-keys' | 'service';

export interface OperationSpec {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  accessType: AccessType;
  resource: AddressedResource;
  /** Fixed query parameters that select the operation, such as `uploads` or `list-type=2`. */
  query: Readonly<Record<string, string>>;
  /** The fields the operation takes; any other field is rejected. */
  fields: readonly RequestField[];
  /** The fields it cannot do without. */
  required: readonly RequestField[];
  /**
   * The channel of an operation that uploads data, so that upload conditions apply and their
   * requirements are signed in: `headers`, or `unconditional` headers that cannot stop an
   * overwrite. Absent for operations that upload nothing.
   */
  upload?: Exclude<UploadChannel, 'form'>;
}

const UPLOAD_FIELDS = ['contentType', 'serverSideEncryption', 'ifNoneMatch'] as const;

/**
 * The operations, their HTTP form and their authorization. Access types follow the data the
 * operation exposes or changes: tags and multipart bookkeeping count as writes of the key,
 * reading attributes or tags as reads, and a bucket-wide operation as a list of the whole bucket.
 */
export const OPERATION_SPECS: Readonly<Record<OperationName, OperationSpec>> = {
  GetObject: {
    method: 'GET',
    accessType: 'read',
    resource: 'object',
    query: {},
    fields: ['key', 'versionId', 'partNumber', 'range', 'responseOverrides'],
    required: ['key'],
  },
  HeadObject: { method: 'HEAD', accessType: 'read', resource: 'object', query: {}, fields: ['key', 'versionId', 'partNumber', 'range'], required: ['key'] },
  PutObject: {
    method: 'PUT',
    accessType: 'write',
    resource: 'object',
    query: {},
    fields: ['key', 'contentLength', ...UPLOAD_FIELDS],
    required: ['key'],
    upload: 'headers',
  },
  DeleteObject: { method: 'DELETE', accessType: 'delete', resource: 'object', query: {}, fields: ['key', 'versionId'], required: ['key'] },
  GetObjectTagging: { method: 'GET', accessType: 'read', resource: 'object', query: { tagging: '' }, fields: ['key', 'versionId'], required: ['key'] },
  PutObjectTagging: { method: 'PUT', accessType: 'write', resource: 'object', query: { tagging: '' }, fields: ['key', 'versionId', 'body'], required: ['key'] },
  GetObjectAttributes: {
    method: 'GET',
    accessType: 'read',
    resource: 'object',
    query: { attributes: '' },
    fields: ['key', 'versionId', 'maxParts', 'partNumberMarker', 'objectAttributes'],
    required: ['key', 'objectAttributes'],
  },
  CreateMultipartUpload: {
    method: 'POST',
    accessType: 'write',
    resource: 'object',
    query: { uploads: '' },
    fields: ['key', 'contentType', 'serverSideEncryption'],
    required: ['key'],
    upload: 'unconditional',
  },
  UploadPart: {
    method: 'PUT',
    accessType: 'write',
    resource: 'object',
    query: {},
    fields: ['key', 'partNumber', 'uploadId', 'contentLength'],
    required: ['key', 'partNumber', 'uploadId'],
  },
  CompleteMultipartUpload: {
    method: 'POST',
    accessType: 'write',
    resource: 'object',
    query: {},
    fields: ['key', 'uploadId', 'ifNoneMatch'],
    required: ['key', 'uploadId'],
  },
  AbortMultipartUpload: { method: 'DELETE', accessType: 'write', resource: 'object', query: {}, fields: ['key', 'uploadId'], required: ['key', 'uploadId'] },
  ListParts: {
    method: 'GET',
    accessType: 'write',
    resource: 'object',
    query: {},
    fields: ['key', 'uploadId', 'maxParts', 'partNumberMarker'],
    required: ['key', 'uploadId'],
  },
  ListMultipartUploads: {
    method: 'GET',
    accessType: 'list',
    resource: 'prefix',
    query: { uploads: '' },
    fields: ['prefix', 'delimiter', 'keyMarker', 'uploadIdMarker', 'maxUploads', 'encodingType'],
    required: [],
  },
  CopyObject: {
    method: 'PUT',
    accessType: 'write',
    resource: 'object',
    query: {},
    fields: ['key', 'copySource', ...UPLOAD_FIELDS],
    required: ['key', 'copySource'],
    upload: 'unconditional',
  },
  UploadPartCopy: {
    method: 'PUT',
    accessType: 'write',
    resource: 'object',
    query: {},
    fields: ['key', 'copySource', 'copySourceRange', 'partNumber', 'uploadId'],
    required: ['key', 'copySource', 'partNumber', 'uploadId'],
  },
  DeleteObjects: { method: 'POST', accessType: 'delete', resource: 'deleted-keys', query: { delete: '' }, fields: ['body'], required: ['body'] },
  ListBuckets: { method: 'GET', accessType: 'list', resource: 'service', query: {}, fields: [], required: [] },
  HeadBucket: { method: 'HEAD', accessType: 'list', resource: 'bucket', query: {}, fields: [], required: [] },
  GetBucketLocation: { method: 'GET', accessType: 'list', resource: 'bucket', query: { location: '' }, fields: [], required: [] },
  ListObjectsV2: {
    method: 'GET',
    accessType: 'list',
    resource: 'prefix',
    query: { 'list-type': '2' },
    fields: ['prefix', 'delimiter', 'maxKeys', 'continuationToken', 'startAfter', 'encodingType'],
    required: [],
  },
  ListObjects: {
    method: 'GET',
    accessType: 'list',
    resource: 'prefix',
    query: {},
    fields: ['prefix', 'delimiter', 'maxKeys', 'marker', 'encodingType'],
    required: [],
  },
  ListObjectVersions: {
    method: 'GET',
    accessType: 'list',
    resource: 'prefix',
    query: { versions: '' },
    fields: ['prefix', 'delimiter', 'maxKeys', 'keyMarker', 'versionIdMarker', 'encodingType'],
    required: [],
  },
};
