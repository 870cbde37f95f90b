import { isIPv4 } from 'node:net';
import { OpenRazError } from '../errors/index.js';
import { MAX_KEY_BYTES } from './constants.js';
import { OPERATION_SPECS, REQUEST_FIELDS, type OperationSpec, type RequestField } from './operation-specs.js';
import type { OperationRequest } from './operations.js';

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Fields holding a key or key prefix: S3's key length limit applies. */
const KEY_FIELDS = ['key', 'prefix', 'startAfter', 'marker', 'keyMarker'] as const;

/** Other free-text fields: they must be valid Unicode without control characters. */
const TEXT_FIELDS = ['delimiter', 'continuationToken', 'versionIdMarker', 'uploadIdMarker', 'versionId', 'uploadId'] as const;

/** The attribute names GetObjectAttributes takes. */
const OBJECT_ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

/** An HTTP byte range with one range, as S3 supports: `bytes=first-last`, `bytes=first-` or `bytes=-suffix`. */
const BYTE_RANGE = /^bytes=(\d{1,19}-\d{0,19}|-\d{1,19})$/;

/**
 * Checks the rules of an operation request that its JSON schema does not express: which
 * fields go with which operation, S3's bucket naming rules, and the key rules.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` or `ERR_REQUEST_KEY_INVALID`, naming the field.
 */
export function validateOperationRequest(request: OperationRequest): void {
  const spec = OPERATION_SPECS[request.operation];
  checkFieldsOfOperation(request, spec);
  if (request.bucket !== undefined) checkBucketName('bucket', request.bucket);

  for (const field of KEY_FIELDS) checkKeyText(field, request[field]);
  for (const field of TEXT_FIELDS) checkText(field, request[field]);
  if (request.copySource !== undefined) {
    checkBucketName('copySource.bucket', request.copySource.bucket);
    checkKeyText('copySource.key', request.copySource.key);
    checkText('copySource.versionId', request.copySource.versionId);
  }
  for (const [name, value] of Object.entries(request.responseOverrides ?? {})) checkText(`responseOverrides.${name}`, value);

  if (request.contentType !== undefined && !MEDIA_TYPE.test(request.contentType)) {
    throw invalidField('contentType', 'Field "contentType" must be a media type such as "image/png", optionally with parameters.');
  }
  if (request.range !== undefined && !BYTE_RANGE.test(request.range)) {
    throw invalidField('range', 'Field "range" must be one byte range such as "bytes=0-1023", "bytes=1024-" or "bytes=-500".');
  }
  if (request.copySourceRange !== undefined && !/^bytes=\d{1,19}-\d{1,19}$/.test(request.copySourceRange)) {
    throw invalidField('copySourceRange', 'Field "copySourceRange" must be a closed byte range such as "bytes=0-5242879".');
  }
  // Ceph RGW names an upload's parts `<key>.<uploadId>…` without checking that the ID belongs
  // to the key, so an ID with a dot reaches another key's upload (`a` + `b.X` is `a.b` + `X`).
  // Upload IDs of Amazon S3, Ceph and MinIO have no dots.
  if (request.uploadId?.includes('.')) {
    throw invalidField('uploadId', 'Field "uploadId" must not contain "."; send the upload ID that CreateMultipartUpload returned.');
  }
  for (const attribute of request.objectAttributes ?? []) {
    if (!OBJECT_ATTRIBUTES.has(attribute)) {
      throw invalidField('objectAttributes', `"${attribute}" is not an object attribute; use ${[...OBJECT_ATTRIBUTES].join(', ')}.`);
    }
  }
}

/**
 * Rejects fields the operation does not take and reports the first required one missing,
 * so a caller learns which fields to send instead of getting a URL S3 would reject.
 */
function checkFieldsOfOperation(request: OperationRequest, spec: OperationSpec): void {
  const name = request.operation;
  if (spec.resource === 'service' && request.bucket !== undefined) {
    throw invalidField('bucket', `${name} lists every bucket and takes no "bucket"; remove it.`);
  }
  if (spec.resource !== 'service' && request.bucket === undefined) {
    throw invalidField('bucket', `${name} needs "bucket", the bucket name.`);
  }
  for (const field of REQUEST_FIELDS) {
    if (request[field] === undefined || spec.fields.includes(field)) continue;
    const accepted = spec.fields.length === 0 ? 'no operation fields' : spec.fields.map((other) => `"${other}"`).join(', ');
    throw invalidField(field, `${name} does not take "${field}"; it takes ${accepted}.`);
  }
  for (const field of spec.required) {
    if (request[field] === undefined) throw invalidField(field, `${name} needs "${field}"${REQUIRED_HINTS[field] ?? ''}.`);
  }
}

const REQUIRED_HINTS: Partial<Record<RequestField, string>> = {
  key: ', the object key',
  uploadId: ', the upload ID that CreateMultipartUpload returned',
  partNumber: ', a part number from 1 to 10000',
  copySource: ', the object to copy from as {"bucket", "key"}',
  body: ', the XML request body',
  objectAttributes: ', the attributes to return such as ["ETag", "ObjectSize"]',
};

/** A media type as in RFC 9110 section 8.3.1, with optional parameters. */
export const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;

/** S3's bucket naming rules beyond the character set, which the schema checks. */
function checkBucketName(field: string, bucket: string): void {
  if (bucket.includes('..') || bucket.includes('.-') || bucket.includes('-.')) {
    throw invalidField(field, `Field "${field}" must not contain "..", ".-" or "-.".`);
  }
  if (isIPv4(bucket)) {
    throw invalidField(field, `Field "${field}" must not be formatted as an IP address.`);
  }
}

/**
 * Checks a key or prefix: valid Unicode, no control character, at most S3's 1024 UTF-8 bytes.
 *
 * @throws OpenRazError `ERR_REQUEST_KEY_INVALID` naming `field`.
 */
export function checkKeyText(field: string, value: string | undefined): void {
  if (value === undefined) return;
  checkText(field, value);
  if (Buffer.byteLength(value, 'utf8') > MAX_KEY_BYTES) {
    throw new OpenRazError('ERR_REQUEST_KEY_INVALID', `Field "${field}" is longer than S3's limit of ${MAX_KEY_BYTES} UTF-8 bytes.`, { field });
  }
}

function checkText(field: string, value: string | undefined): void {
  if (value === undefined) return;
  if (!value.isWellFormed()) {
    throw new OpenRazError('ERR_REQUEST_KEY_INVALID', `Field "${field}" is not valid Unicode (it has an unpaired surrogate).`, { field });
  }
  if (CONTROL_CHARACTERS.test(value)) {
    throw new OpenRazError(
      'ERR_REQUEST_KEY_INVALID',
      `Field "${field}" contains a control character (U+0000 to U+001F or U+007F); rename the object.`,
      { field },
    );
  }
}

function invalidField(field: string, message: string): OpenRazError {
  return new OpenRazError('ERR_REQUEST_INVALID', message, { field });
}

/**
 * Rejects a key with a `.` or `..` segment unless the store is known to take them literally:
 * WHATWG URL parsers (fetch, browsers) and many HTTP clients resolve such segments before
 * sending, so the request would address another key than the one signed and authorized.
 *
 * @throws OpenRazError `ERR_REQUEST_KEY_DOT_SEGMENT` naming the field `key`.
 */
export function checkDotSegments(key: string | undefined, allowDotSegments: boolean): void {
  if (key === undefined || allowDotSegments) return;
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new OpenRazError(
      'ERR_REQUEST_KEY_DOT_SEGMENT',
      'Field "key" has a "." or ".." segment, which HTTP clients rewrite before sending; rename the object, or set s3.allowDotSegments for a store and clients that keep such paths.',
      { field: 'key' },
    );
  }
}
