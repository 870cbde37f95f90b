import { OpenRazError } from '../errors/index.js';
import { encodeKeyPath } from './encode.js';
import { OPERATION_SPECS, type OperationName, type OperationSpec, type RequestField } from './operation-specs.js';
import { HEADER_NAMES, QUERY_NAMES, RESPONSE_OVERRIDE_NAMES, type OperationRequest, type ResponseOverrides } from './operations.js';
import { normalizeHeaders, readHeaders, resolvePayloadHash } from './request-headers.js';
import { decodeOnce, formatAddress, invalidUrl, parseRequestUrl, type QueryParameter, type RequestUrl } from './request-url.js';
import { addressBucket, endpointHost, endpointOrigin, type StorageTarget } from './target.js';

/** An S3 request as the client will send it, described for signing with header authentication. */
export interface S3RequestDescription {
  method: string;
  /** The absolute URL, path and query encoded as SigV4 encodes them. */
  url: string;
  /** The headers the client will send, by name in any case. */
  headers?: Record<string, string>;
  /** The payload hash to sign: a hex SHA-256, UNSIGNED-PAYLOAD or STREAMING-UNSIGNED-PAYLOAD-TRAILER. */
  payloadHash?: string;
  /** The body of DeleteObjects or PutObjectTagging, whose hashes are signed. */
  body?: string;
}

/** A described request mapped to the operation request that `POST /v1/sign` takes, plus what is signed beyond it. */
export interface ClassifiedRequest {
  request: OperationRequest;
  /** `x-amz-*` headers and `content-md5` signed with the caller's value, by lower-case name. */
  headers: Record<string, string>;
  /** Query parameters signed beyond the operation's: the `x-id` that AWS SDKs add. */
  query: Record<string, string>;
  /** The payload hash to sign, when the caller gave one and there is no `body`. */
  payloadHash?: string;
  /** The URL as the caller wrote it; the signed request must address the same resource with the same query. */
  url: RequestUrl;
}

/** The depth of the path: the service root (ListBuckets), a bucket or an object. */
type Level = 'service' | 'bucket' | 'object';

interface OperationRule {
  method: OperationSpec['method'];
  level: Level;
  /** Query parameters that must be present. */
  query?: readonly string[];
  /** Whether the request must carry `x-amz-copy-source`. */
  copySource?: true;
  operation: OperationName;
}

/**
 * The rules that select the operation, tried in order, as S3 selects it: the first rule
 * that matches decides. A query parameter that the chosen operation does not take is
 * rejected afterwards, so a rule only needs the parameters that select it.
 */
const OPERATION_RULES: readonly OperationRule[] = [
  { method: 'GET', level: 'service', operation: 'ListBuckets' },
  { method: 'GET', level: 'bucket', query: ['uploads'], operation: 'ListMultipartUploads' },
  { method: 'GET', level: 'bucket', query: ['location'], operation: 'GetBucketLocation' },
  { method: 'GET', level: 'bucket', query: ['versions'], operation: 'ListObjectVersions' },
  { method: 'GET', level: 'bucket', query: ['list-type'], operation: 'ListObjectsV2' },
  { method: 'GET', level: 'bucket', operation: 'ListObjects' },
  { method: 'HEAD', level: 'bucket', operation: 'HeadBucket' },
  { method: 'POST', level: 'bucket', query: ['delete'], operation: 'DeleteObjects' },
  { method: 'GET', level: 'object', query: ['tagging'], operation: 'GetObjectTagging' },
  { method: 'GET', level: 'object', query: ['attributes'], operation: 'GetObjectAttributes' },
  { method: 'GET', level: 'object', query: ['uploadId'], operation: 'ListParts' },
  { method: 'GET', level: 'object', operation: 'GetObject' },
  { method: 'HEAD', level: 'object', operation: 'HeadObject' },
  { method: 'PUT', level: 'object', query: ['tagging'], operation: 'PutObjectTagging' },
  { method: 'PUT', level: 'object', query: ['partNumber', 'uploadId'], copySource: true, operation: 'UploadPartCopy' },
  { method: 'PUT', level: 'object', query: ['partNumber', 'uploadId'], operation: 'UploadPart' },
  { method: 'PUT', level: 'object', copySource: true, operation: 'CopyObject' },
  { method: 'PUT', level: 'object', operation: 'PutObject' },
  { method: 'POST', level: 'object', query: ['uploads'], operation: 'CreateMultipartUpload' },
  { method: 'POST', level: 'object', query: ['uploadId'], operation: 'CompleteMultipartUpload' },
  { method: 'DELETE', level: 'object', query: ['uploadId'], operation: 'AbortMultipartUpload' },
  { method: 'DELETE', level: 'object', operation: 'DeleteObject' },
];

const LEVEL_NAMES: Readonly<Record<Level, string>> = { service: 'the service root "/"', bucket: 'a bucket', object: 'an object' };

/** The query parameter that AWS SDKs add to name the operation; S3 ignores it. */
const SDK_OPERATION_PARAMETER = 'x-id';

const QUERY_FIELDS: ReadonlyMap<string, RequestField> = new Map(
  (Object.entries(QUERY_NAMES) as [RequestField, string][]).map(([field, name]) => [name, field]),
);
const RESPONSE_OVERRIDE_FIELDS: ReadonlyMap<string, keyof ResponseOverrides> = new Map(
  (Object.entries(RESPONSE_OVERRIDE_NAMES) as [keyof ResponseOverrides, string][]).map(([field, name]) => [name, field]),
);
const INTEGER_FIELDS: ReadonlySet<RequestField> = new Set(['maxKeys', 'maxUploads', 'maxParts', 'partNumberMarker', 'partNumber']);

/**
 * Maps an S3 request that a client will send to the operation request of `POST /v1/sign`, so
 * that it is validated, decided and audited the same way. The URL must address `target`
 * exactly as openraz would sign it: the key percent-decoded once and encoded again must give
 * the same path, so the signed request and the sent one are the same bytes.
 *
 * The result still needs validateOperationRequest and the request schema, which
 * authorizeOperation and the HTTP layer run. relocateFieldError moves an error about one of
 * its fields to the part of the description the field came from.
 *
 * @throws OpenRazError `ERR_REQUEST_URL_INVALID`, `ERR_REQUEST_OPERATION_UNSUPPORTED`,
 *   `ERR_REQUEST_HEADER_NOT_ALLOWED` or `ERR_REQUEST_INVALID`, naming `url`, `query.<name>`,
 *   `method`, `headers.<name>` or `payloadHash`.
 */
export function classifyRequest(description: S3RequestDescription, target: StorageTarget): ClassifiedRequest {
  const url = parseRequestUrl(description.url);
  const headers = normalizeHeaders(description.headers ?? {});
  const { level, bucket, key } = locateResource(url, target);
  const operation = chooseOperation(description.method, level, url.query, headers.has('x-amz-copy-source'));

  const fields: Record<string, unknown> = { operation };
  if (bucket !== undefined) fields.bucket = bucket;
  if (key !== undefined) fields.key = key;
  const query = readQuery(url.query, operation, fields);
  const reading = readHeaders(headers, operation, url.host, description.body);
  Object.assign(fields, reading.fields);
  if (description.body !== undefined) fields.body = description.body;
  const payloadHash = resolvePayloadHash(description.payloadHash, reading.payloadHash, description.body);

  return {
    request: fields as unknown as OperationRequest,
    headers: reading.signed,
    query,
    ...(payloadHash === undefined ? {} : { payloadHash }),
    url,
  };
}

/**
 * Returns whether `url` addresses the target's endpoint: its host is the endpoint's, or a
 * bucket name under it, with the endpoint's scheme. An unparsable URL addresses none.
 */
export function addressesEndpoint(url: string, target: StorageTarget): boolean {
  let parsed: RequestUrl;
  try {
    parsed = parseRequestUrl(url);
  } catch {
    return false;
  }
  const endpoint = endpointHost(target).toLowerCase();
  return parsed.protocol === target.protocol && (parsed.host === endpoint || parsed.host.endsWith(`.${endpoint}`));
}

/**
 * Finds the bucket and key in the URL: path-style when the host is the endpoint's, virtual-
 * hosted when it is a bucket name under it. The address must then be the one that openraz
 * signs for this bucket and key (addressBucket, encodeKeyPath).
 */
function locateResource(url: RequestUrl, target: StorageTarget): { level: Level; bucket?: string; key?: string } {
  const endpoint = endpointHost(target).toLowerCase();
  const endpointUrl = endpointOrigin(target);
  if (url.protocol !== target.protocol)
    throw invalidUrl('url', `Field "url" must use ${target.protocol.slice(0, -1)}, as the storage endpoint ${endpointUrl} does.`);

  let rawBucket: string | undefined;
  let rawKey: string | undefined;
  if (url.host === endpoint) {
    const rest = url.path.slice(1);
    if (rest === '') return { level: 'service' };
    const slash = rest.indexOf('/');
    rawBucket = slash === -1 ? rest : rest.slice(0, slash);
    rawKey = slash === -1 ? undefined : rest.slice(slash + 1);
  } else if (url.host.endsWith(`.${endpoint}`)) {
    rawBucket = url.host.slice(0, -endpoint.length - 1);
    rawKey = url.path.slice(1);
  } else {
    throw invalidUrl('url', `The host of "url", "${url.host}", is neither the storage endpoint ${endpointUrl} nor a bucket under it.`);
  }

  const bucket = decodeOnce(rawBucket, 'url', 'The bucket in "url"');
  const key = rawKey === undefined || rawKey === '' ? undefined : decodeOnce(rawKey, 'url', 'The key in "url"');
  const address = addressBucket(target, bucket);
  const expected = {
    protocol: target.protocol,
    host: address.host.toLowerCase(),
    path: `${address.pathPrefix}${key === undefined ? '' : `/${encodeKeyPath(key)}`}` || '/',
  };
  if (expected.host !== url.host || expected.path !== url.path) {
    throw invalidUrl(
      'url',
      `Field "url" must address this ${key === undefined ? 'bucket' : 'object'} as ${formatAddress(expected)}: the storage endpoint's addressing style, and the key encoded as SigV4 encodes it (every byte but A-Z a-z 0-9 - . _ ~ as %XX, "/" kept).`,
    );
  }
  return key === undefined ? { level: 'bucket', bucket } : { level: 'object', bucket, key };
}

function chooseOperation(method: string, level: Level, query: readonly QueryParameter[], hasCopySource: boolean): OperationName {
  const present = new Set(query.map(({ name }) => name));
  for (const rule of OPERATION_RULES) {
    if (rule.method !== method || rule.level !== level) continue;
    if (rule.copySource === true && !hasCopySource) continue;
    if ((rule.query ?? []).every((name) => present.has(name))) return rule.operation;
  }
  const candidates = OPERATION_RULES.filter((rule) => rule.level === level).map((rule) => `${rule.method} for ${rule.operation}`);
  const where = LEVEL_NAMES[level];
  throw new OpenRazError(
    'ERR_REQUEST_OPERATION_UNSUPPORTED',
    `${method} on ${where} with this query is not an S3 operation that openraz signs; on ${where} it signs ${[...new Set(candidates)].join(', ')}.`,
    { field: 'method' },
  );
}

/**
 * Reads the query parameters into request fields. The operation's fixed parameters must have
 * their fixed values, and any parameter that is unknown or not taken by the operation is
 * rejected, so nothing unsigned or undecided reaches the store.
 *
 * @returns The parameters signed beyond the operation's own (`x-id`).
 */
function readQuery(query: readonly QueryParameter[], operation: OperationName, fields: Record<string, unknown>): Record<string, string> {
  const spec = OPERATION_SPECS[operation];
  const extra: Record<string, string> = {};
  for (const { name, value } of query) {
    const field = `query.${name}`;
    const fixed = Object.hasOwn(spec.query, name) ? spec.query[name] : undefined;
    if (fixed !== undefined) {
      if (value !== fixed)
        throw invalidUrl(
          field,
          fixed === ''
            ? `Query parameter "${name}" of ${operation} takes no value.`
            : `Query parameter "${name}" of ${operation} must be "${fixed}".`,
        );
      continue;
    }
    if (name === SDK_OPERATION_PARAMETER) {
      if (value !== operation)
        throw invalidUrl(field, `Query parameter "${name}" names ${value}, but the method and URL make the request ${operation}.`);
      extra[name] = value;
      continue;
    }

    const requestField = QUERY_FIELDS.get(name);
    const override = RESPONSE_OVERRIDE_FIELDS.get(name);
    if (requestField === undefined && override === undefined)
      throw invalidUrl(field, `Query parameter "${name}" is not one that openraz signs for ${operation}.`);
    if (!spec.fields.includes(requestField ?? 'responseOverrides')) throw invalidUrl(field, `${operation} does not take query parameter "${name}".`);
    if (requestField !== undefined) {
      fields[requestField] = INTEGER_FIELDS.has(requestField) ? readInteger(value, field, name) : value;
    } else {
      const overrides = (fields.responseOverrides ??= {}) as Record<string, string>;
      overrides[override!] = value;
    }
  }
  return extra;
}

function readInteger(value: string, field: string, name: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value)) throw invalidUrl(field, `Query parameter "${name}" must be a decimal integer without leading zeros.`);
  return Number(value);
}

/** The part of a described request that each request field comes from, for error messages. */
const FIELD_SOURCES: ReadonlyMap<string, string> = new Map<string, string>([
  ['operation', 'method'],
  ['bucket', 'url'],
  ['key', 'url'],
  ...(Object.entries(QUERY_NAMES) as [string, string][]).map(([field, name]): [string, string] => [field, `query.${name}`]),
  ...(Object.entries(RESPONSE_OVERRIDE_NAMES) as [string, string][]).map(([field, name]): [string, string] => [
    `responseOverrides.${field}`,
    `query.${name}`,
  ]),
  ...(Object.entries(HEADER_NAMES) as [string, string][]).map(([field, name]): [string, string] => [field, `headers.${name}`]),
  ['copySource', 'headers.x-amz-copy-source'],
  ['copySource.bucket', 'headers.x-amz-copy-source'],
  ['copySource.key', 'headers.x-amz-copy-source'],
  ['copySource.versionId', 'headers.x-amz-copy-source'],
  ['objectAttributes', 'headers.x-amz-object-attributes'],
]);

/**
 * Moves an error about a field of the operation request (`maxKeys`, `copySource` …) to the
 * part of the described request it came from (`query.max-keys`, `headers.x-amz-copy-source`),
 * and names that part in the message. Other errors are returned unchanged.
 */
export function relocateFieldError(error: unknown): unknown {
  if (!(error instanceof OpenRazError) || error.details.field === undefined) return error;
  const source = FIELD_SOURCES.get(error.details.field);
  if (source === undefined) return error;
  return new OpenRazError(
    error.code,
    `${error.message} (Field "${error.details.field}" comes from ${describeSource(source)}.)`,
    { ...error.details, field: source },
    { cause: error },
  );
}

function describeSource(source: string): string {
  if (source.startsWith('query.')) return `query parameter "${source.slice('query.'.length)}"`;
  if (source.startsWith('headers.')) return `header "${source.slice('headers.'.length)}"`;
  return `"${source}"`;
}
