import { isIPv4 } from 'node:net';
import { OpenRazError } from '../errors/index.js';
import { MAX_KEY_BYTES } from './constants.js';
import type { OperationRequest } from './operations.js';

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const LIST_FIELDS = ['prefix', 'delimiter', 'maxKeys', 'continuationToken', 'startAfter', 'encodingType'] as const;

/**
 * Checks the rules of an operation request that its JSON schema does not express: which
 * fields go with which operation, S3's bucket naming rules, and the key rules.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` or `ERR_REQUEST_KEY_INVALID`, naming the field.
 */
export function validateOperationRequest(request: OperationRequest): void {
  checkBucketName(request.bucket);

  if (request.operation === 'ListObjectsV2') {
    if (request.key !== undefined) {
      throw invalidField('key', 'ListObjectsV2 takes "prefix", not "key"; to list a folder, send its path ending in "/" as "prefix".');
    }
    checkKeyText('prefix', request.prefix);
    checkKeyText('startAfter', request.startAfter);
    checkText('delimiter', request.delimiter);
    checkText('continuationToken', request.continuationToken);
    for (const field of ['contentType', 'contentLength'] as const) {
      if (request[field] !== undefined) throw invalidField(field, `"${field}" describes an upload; only PutObject takes it.`);
    }
    return;
  }

  if (request.key === undefined) {
    throw invalidField('key', `${request.operation} needs "key", the object key.`);
  }
  for (const field of LIST_FIELDS) {
    if (request[field] !== undefined) {
      throw invalidField(field, `"${field}" is a ListObjectsV2 parameter; ${request.operation} does not take it.`);
    }
  }
  checkKeyText('key', request.key);

  if (request.operation !== 'PutObject') {
    for (const field of ['contentType', 'contentLength'] as const) {
      if (request[field] !== undefined) {
        throw invalidField(field, `"${field}" describes an upload; only PutObject takes it.`);
      }
    }
  }
  if (request.contentType !== undefined && !MEDIA_TYPE.test(request.contentType)) {
    throw invalidField('contentType', 'Field "contentType" must be a media type such as "image/png", optionally with parameters.');
  }
}

/** A media type as in RFC 9110 section 8.3.1, with optional parameters. */
export const MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[^"\\\r\n]*"|[A-Za-z0-9!#$&^_.+-]+))*$/;

/** S3's bucket naming rules beyond the character set, which the schema checks. */
function checkBucketName(bucket: string): void {
  if (bucket.includes('..') || bucket.includes('.-') || bucket.includes('-.')) {
    throw invalidField('bucket', 'Field "bucket" must not contain "..", ".-" or "-.".');
  }
  if (isIPv4(bucket)) {
    throw invalidField('bucket', 'Field "bucket" must not be formatted as an IP address.');
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
