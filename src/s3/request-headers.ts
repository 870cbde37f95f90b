import { createHash } from 'node:crypto';
import { OpenRazError } from '../errors/index.js';
import { CONTENT_SHA256_HEADER, SIGNED_STREAMING_PAYLOAD_PREFIX, STREAMING_UNSIGNED_PAYLOAD_TRAILER, UNSIGNED_PAYLOAD } from './constants.js';
import { OPERATION_SPECS, type OperationName, type RequestField } from './operation-specs.js';
import { HEADER_NAMES, OBJECT_ATTRIBUTES_HEADER_NAMES, formatCopySource, type CopySource } from './operations.js';
import { decodeOnce } from './request-url.js';

/** The request fields, signed headers and payload hash read from the headers of a request to sign. */
export interface HeaderReading {
  /** Request fields read from headers, such as `contentType` or `copySource`. */
  fields: Partial<Record<RequestField, unknown>>;
  /** Headers signed with the value the caller gave, by lower-case name. */
  signed: Record<string, string>;
  /** From `x-amz-content-sha256`, when the caller sent it. */
  payloadHash?: string;
}

/** Headers that openraz sets when it signs; a caller's own value would be replaced or would sign nothing. */
const SET_BY_SIGNER = new Set(['authorization', 'x-amz-date', 'x-amz-security-token']);

/** Headers that become request fields, so that they are validated and decided like the fields of `POST /v1/sign`. */
const FIELD_HEADERS: ReadonlyMap<string, RequestField> = new Map([
  ...(Object.entries(HEADER_NAMES) as [RequestField, string][]).map(([field, name]) => [name, field] as const),
  ['x-amz-copy-source', 'copySource'],
  ['x-amz-object-attributes', 'objectAttributes'],
  ...(Object.entries(OBJECT_ATTRIBUTES_HEADER_NAMES) as [RequestField, string][]).map(([field, name]) => [name, field] as const),
]);

/**
 * `x-amz-*` headers that never change what a request does, so they are neither signed nor
 * rejected: SDKs send `x-amz-user-agent` on every request.
 */
const IGNORED_AMZ_HEADERS = new Set(['x-amz-user-agent']);

/** `x-amz-*` headers signed as given on any operation: integrity checks and the bucket owner check. */
const ANY_OPERATION_HEADERS = new Set([
  'x-amz-sdk-checksum-algorithm',
  'x-amz-trailer',
  'x-amz-decoded-content-length',
  'x-amz-expected-bucket-owner',
]);

/** A header name: an RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A Content-MD5 value: the base64 of 16 bytes. */
const CONTENT_MD5 = /^[A-Za-z0-9+/]{22}==$/;

/**
 * Lower-cases the header names and checks names and values. Values lose surrounding spaces
 * and tabs, as HTTP parsers strip them.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` naming `headers.<name>`: an invalid name, a value
 *   with characters other than printable ASCII and tabs, or a name given twice in different cases.
 */
export function normalizeHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  const normalized = new Map<string, string>();
  for (const [rawName, rawValue] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    const field = `headers.${name}`;
    if (!HEADER_NAME.test(rawName)) throw invalidHeader(field, `Header name "${rawName}" is not a valid HTTP field name.`);
    if (/[^\t\x20-\x7e]/.test(rawValue)) {
      throw invalidHeader(
        field,
        `Header "${name}" must contain printable ASCII only; encode other text first (S3 metadata takes RFC 2047 encoded words).`,
      );
    }
    if (normalized.has(name)) throw invalidHeader(field, `Header "${name}" is given more than once, in different letter cases; send it once.`);
    normalized.set(name, rawValue.replace(/^[ \t]+|[ \t]+$/g, ''));
  }
  return normalized;
}

/**
 * Sorts the headers of a request to sign for `operation`:
 * - headers that map to request fields (`range`, `content-type`, `x-amz-copy-source` …) become
 *   fields. When the operation does not take the field, a plain HTTP header is left unsigned
 *   and an `x-amz-*` header is rejected.
 * - `x-amz-meta-*`, `x-amz-storage-class` and `x-amz-tagging` on uploads, the copy directives
 *   on CopyObject, and the checksum headers everywhere are signed as given.
 * - `content-md5` is signed; with a `body` it must be the body's MD5.
 * - `x-amz-content-sha256` gives the payload hash.
 * - Authorization, X-Amz-Date and X-Amz-Security-Token are rejected, because openraz sets them.
 * - Every other `x-amz-*` header is rejected, because it could change what the request does
 *   beyond what the policies decided (an ACL, object lock, a redirect …).
 * - Other headers (user-agent, accept …) are left unsigned and are not returned.
 *
 * @param host The host of the request URL; a `host` header must equal it.
 * @throws OpenRazError `ERR_REQUEST_HEADER_NOT_ALLOWED` or `ERR_REQUEST_INVALID`, naming `headers.<name>`.
 */
export function readHeaders(headers: ReadonlyMap<string, string>, operation: OperationName, host: string, body: string | undefined): HeaderReading {
  const spec = OPERATION_SPECS[operation];
  const reading: HeaderReading = { fields: {}, signed: {} };
  for (const [name, value] of headers) {
    const field = `headers.${name}`;
    if (SET_BY_SIGNER.has(name)) throw notAllowed(field, `Header "${name}" is set by openraz when it signs; leave it out.`);
    if (name === 'host') {
      if (value.toLowerCase() !== host) throw invalidHeader(field, `Header "host" must be the host of "url", "${host}".`);
      continue;
    }
    if (name === CONTENT_SHA256_HEADER) {
      checkPayloadHash(value, field, `Header "${name}"`);
      reading.payloadHash = value;
      continue;
    }
    if (name === 'content-md5') {
      readContentMd5(value, body, reading);
      continue;
    }

    const requestField = FIELD_HEADERS.get(name);
    if (requestField !== undefined) {
      if (spec.fields.includes(requestField)) reading.fields[requestField] = readFieldValue(requestField, value, field);
      else if (name.startsWith('x-amz-')) throw notAllowed(field, `${operation} does not take header "${name}".`);
      continue;
    }
    if (!name.startsWith('x-amz-') || IGNORED_AMZ_HEADERS.has(name)) continue;
    if (!takesSignedHeader(name, operation)) {
      throw notAllowed(
        field,
        `Header "${name}" is not signed for ${operation}, because it could change what the request does beyond what the policies decided.`,
      );
    }
    reading.signed[name] = value;
  }
  return reading;
}

/** Returns whether `name` is an `x-amz-*` header that `operation` may carry, signed as given. */
function takesSignedHeader(name: string, operation: OperationName): boolean {
  const isMetadata =
    (name.startsWith('x-amz-meta-') && name.length > 'x-amz-meta-'.length) || name === 'x-amz-storage-class' || name === 'x-amz-tagging';
  if (isMetadata) return OPERATION_SPECS[operation].upload !== undefined;
  if (name === 'x-amz-metadata-directive' || name === 'x-amz-tagging-directive') return operation === 'CopyObject';
  return name.startsWith('x-amz-checksum-') || ANY_OPERATION_HEADERS.has(name);
}

function readFieldValue(requestField: RequestField, value: string, field: string): unknown {
  switch (requestField) {
    case 'contentLength':
      if (!/^(0|[1-9][0-9]{0,15})$/.test(value)) throw invalidHeader(field, 'Header "content-length" must be a decimal number of bytes.');
      return Number(value);
    case 'copySource':
      return parseCopySource(value, field);
    case 'objectAttributes':
      return value.split(',').map((attribute) => attribute.trim());
    default:
      return value;
  }
}

/**
 * Parses `x-amz-copy-source`: `bucket/key` with an optional leading `/`, the key percent-decoded
 * once, and an optional `?versionId=`. The value must be encoded as openraz signs it
 * (formatCopySource), so that S3 reads the source that was authorized.
 */
function parseCopySource(value: string, field: string): CopySource {
  const text = value.startsWith('/') ? value.slice(1) : value;
  const question = text.indexOf('?');
  const path = question === -1 ? text : text.slice(0, question);
  const query = question === -1 ? undefined : text.slice(question + 1);
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1)
    throw invalidHeader(field, 'Header "x-amz-copy-source" must be "bucket/key", optionally with "?versionId=...".');
  if (query !== undefined && !query.startsWith('versionId='))
    throw invalidHeader(field, 'Header "x-amz-copy-source" takes only "?versionId=..." after the key.');

  const what = 'Header "x-amz-copy-source"';
  const source: CopySource = {
    bucket: decodeOnce(path.slice(0, slash), field, what, 'ERR_REQUEST_INVALID'),
    key: decodeOnce(path.slice(slash + 1), field, what, 'ERR_REQUEST_INVALID'),
  };
  if (query !== undefined) source.versionId = decodeOnce(query.slice('versionId='.length), field, what, 'ERR_REQUEST_INVALID');
  const canonical = formatCopySource(source);
  if (canonical !== text) throw invalidHeader(field, `Header "x-amz-copy-source" must be encoded as SigV4 encodes a path: "${canonical}".`);
  return source;
}

function readContentMd5(value: string, body: string | undefined, reading: HeaderReading): void {
  const field = 'headers.content-md5';
  if (!CONTENT_MD5.test(value)) throw invalidHeader(field, 'Header "content-md5" must be the base64 of a 16-byte MD5 digest.');
  // With a body, openraz signs the body's own MD5 (describeOperation), so the header only has to agree.
  if (body === undefined) {
    reading.signed['content-md5'] = value;
    return;
  }
  const digest = createHash('md5').update(body, 'utf8').digest('base64');
  if (value !== digest) throw invalidHeader(field, `Header "content-md5" is not the MD5 of "body", which is "${digest}".`);
}

/**
 * Chooses the payload hash to sign from the `payloadHash` field and the `x-amz-content-sha256`
 * header. With a `body`, its SHA-256 is signed (describeOperation), so a given hash must be
 * that one and nothing is returned.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` naming `payloadHash` or `headers.x-amz-content-sha256`.
 */
export function resolvePayloadHash(fromField: string | undefined, fromHeader: string | undefined, body: string | undefined): string | undefined {
  const headerField = `headers.${CONTENT_SHA256_HEADER}`;
  if (fromField !== undefined) checkPayloadHash(fromField, 'payloadHash', 'Field "payloadHash"');
  if (fromField !== undefined && fromHeader !== undefined && fromField !== fromHeader) {
    throw invalidHeader('payloadHash', `Field "payloadHash" differs from header "${CONTENT_SHA256_HEADER}"; send one of them.`);
  }
  const given = fromField ?? fromHeader;
  if (body === undefined) return given;

  const digest = createHash('sha256').update(body, 'utf8').digest('hex');
  if (given !== undefined && given !== digest) {
    const field = fromField !== undefined ? 'payloadHash' : headerField;
    throw invalidHeader(
      field,
      `The payload hash "${given}" is not the SHA-256 of "body", which is "${digest}"; the body's hash is signed, so leave it out or send that one.`,
    );
  }
  return undefined;
}

/** Accepts a lower-case hex SHA-256, UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
function checkPayloadHash(value: string, field: string, what: string): void {
  if (/^[0-9a-f]{64}$/.test(value) || value === UNSIGNED_PAYLOAD || value === STREAMING_UNSIGNED_PAYLOAD_TRAILER) return;
  if (value.startsWith(SIGNED_STREAMING_PAYLOAD_PREFIX)) {
    throw invalidHeader(
      field,
      `${what} "${value}" needs a signature on every chunk, made with the secret key that openraz never hands out; send ${STREAMING_UNSIGNED_PAYLOAD_TRAILER}, ${UNSIGNED_PAYLOAD} or the body's SHA-256.`,
    );
  }
  throw invalidHeader(field, `${what} must be the body's SHA-256 in lower-case hex, ${UNSIGNED_PAYLOAD} or ${STREAMING_UNSIGNED_PAYLOAD_TRAILER}.`);
}

function notAllowed(field: string, message: string): OpenRazError {
  return new OpenRazError('ERR_REQUEST_HEADER_NOT_ALLOWED', message, { field });
}

function invalidHeader(field: string, message: string): OpenRazError {
  return new OpenRazError('ERR_REQUEST_INVALID', message, { field });
}
