import { createHmac } from 'node:crypto';
import {
  ALGORITHM_IDENTIFIER,
  ALGORITHM_QUERY_PARAM,
  AMZ_DATE_QUERY_PARAM,
  CREDENTIAL_QUERY_PARAM,
  KEY_TYPE_IDENTIFIER,
  SIGNATURE_QUERY_PARAM,
  TOKEN_QUERY_PARAM,
  createScope,
} from '@smithy/signature-v4';
import { OpenRazError } from '../errors/index.js';
import { FILENAME_VARIABLE, MAX_PRESIGNED_EXPIRES_SECONDS, S3_SERVICE } from './constants.js';
import type { StorageCredentials } from './signer.js';
import { addressBucket, type StorageTarget } from './target.js';
import { MEDIA_TYPE, checkKeyText } from './validate.js';

/**
 * Limits on a browser form upload. The store checks each given constraint against the signed
 * POST policy, and does not check one that is left out.
 */
export interface PostUploadConstraints {
  /** The largest file accepted, in bytes. Without it only the store's own object size limit applies. */
  maxBytes?: number;
  /** The smallest file accepted, in bytes, default 0. Allowed only together with `maxBytes`. */
  minBytes?: number;
  /**
   * The allowed media type: one entry, either an exact type (`image/png`, matched byte for
   * byte, parameters included) or one family (`image/*`). `image/*` admits `image/svg+xml`,
   * which can carry scripts. Left out, or given as the all-types wildcard, the form may set
   * any type or none.
   */
  contentTypes?: string[];
  /** Server-side encryption the form must request. With `aws:kms` the store uses its default KMS key. */
  serverSideEncryption?: 'AES256' | 'aws:kms';
}

/** A request to presign one browser form upload. Give exactly one of `key` and `prefix`. */
export interface PostUploadRequest {
  bucket: string;
  /** The exact object key the form may write. */
  key?: string;
  /**
   * A key prefix: the form may write any key that starts with it, not only the default
   * `<prefix>${filename}`. `docs` admits `docs-old/x` too, so end a folder prefix with `/`.
   * An empty prefix admits every key in the bucket.
   */
  prefix?: string;
  constraints?: PostUploadConstraints;
  /** The form's lifetime in seconds, from 1 to 604800. */
  expiresInSeconds: number;
  /** The signing instant. X-Amz-Date is this instant truncated to the second. */
  signingDate: Date;
}

/** A presigned browser form upload. */
export interface PresignedPost {
  /** The form action: send the form there with POST as `multipart/form-data`. */
  url: string;
  /**
   * The form fields, to send as they are and before the file field, because the store ignores
   * fields after the file. With a `type/*` or open content type the form may add its own
   * `Content-Type` field.
   */
  fields: Record<string, string>;
  /** When the store stops accepting the form. */
  expiresAt: Date;
}

/** One condition of a POST policy: `{field: value}` for equality, or an operator array. */
export type PostPolicyCondition = Record<string, string> | ['eq' | 'starts-with', string, string] | ['content-length-range', number, number];

const CONTENT_TYPE_FIELD = 'Content-Type';
const MEDIA_TYPE_FAMILY = /^([A-Za-z0-9!#$&^_.+-]+\/)\*$/;
/** The all-types wildcard, the same as leaving `contentTypes` out. */
const ANY_MEDIA_TYPE = '*/*';

/**
 * Presigns a browser form upload (S3 POST Object with a SigV4-signed POST policy) for one
 * bucket and one key or key prefix. The policy binds the bucket, the key, the constraints,
 * the target's canned ACL and the credential fields. Ceph RGW 16.2 rejects a form field that
 * no condition covers (see test/e2e/presigned-post.test.ts), so the form's user cannot add
 * metadata, ACLs or other fields. The form URL is addressed like `UrlSigner`'s URLs. Limiting
 * `expiresInSeconds` to the credentials' lifetime is up to the caller.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` or `ERR_REQUEST_KEY_INVALID` naming the field at
 *   fault (`key`, `prefix`, `maxBytes`, `minBytes`, `contentTypes`).
 * @throws RangeError when `expiresInSeconds` is not an integer from 1 to 604800.
 */
export function presignPost(target: StorageTarget, credentials: StorageCredentials, request: PostUploadRequest): PresignedPost {
  const { bucket, constraints = {}, expiresInSeconds, signingDate } = request;
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
    throw new RangeError(`expiresInSeconds must be an integer from 1 to ${MAX_PRESIGNED_EXPIRES_SECONDS}, got ${expiresInSeconds}`);
  }

  const signedSeconds = Math.floor(signingDate.getTime() / 1000);
  const expiresAt = new Date((signedSeconds + expiresInSeconds) * 1000);
  const amzDate = formatIsoSeconds(new Date(signedSeconds * 1000)).replace(/[-:]/g, '');
  const shortDate = amzDate.slice(0, 8);
  const credential = `${credentials.accessKeyId}/${createScope(shortDate, target.region, S3_SERVICE)}`;

  const fields: Record<string, string> = {};
  const conditions: PostPolicyCondition[] = [{ bucket }];
  const setSignedField = (name: string, value: string): void => {
    fields[name] = value;
    conditions.push({ [name]: value });
  };

  conditions.push(keyCondition(request, fields));
  const sizeRange = sizeCondition(constraints);
  if (sizeRange !== undefined) conditions.push(sizeRange);
  conditions.push(contentTypeCondition(constraints.contentTypes, fields));
  if (target.putObjectAcl !== undefined) setSignedField('acl', target.putObjectAcl);
  if (constraints.serverSideEncryption !== undefined) setSignedField('x-amz-server-side-encryption', constraints.serverSideEncryption);
  setSignedField(ALGORITHM_QUERY_PARAM, ALGORITHM_IDENTIFIER);
  setSignedField(CREDENTIAL_QUERY_PARAM, credential);
  setSignedField(AMZ_DATE_QUERY_PARAM, amzDate);
  if (credentials.sessionToken !== undefined) setSignedField(TOKEN_QUERY_PARAM, credentials.sessionToken);

  const policy = Buffer.from(JSON.stringify({ expiration: formatIsoSeconds(expiresAt), conditions }), 'utf8').toString('base64');
  fields.Policy = policy;
  fields[SIGNATURE_QUERY_PARAM] = signPolicy(credentials.secretAccessKey, shortDate, target.region, policy);

  const { host, pathPrefix } = addressBucket(target, bucket);
  return { url: `${target.protocol}//${host}${pathPrefix || '/'}`, fields, expiresAt };
}

/** Sets the `key` field and returns its condition: an exact match, or a prefix match with `${filename}` as the default rest. */
function keyCondition(request: PostUploadRequest, fields: Record<string, string>): PostPolicyCondition {
  const { key, prefix } = request;
  if ((key === undefined) === (prefix === undefined)) {
    throw invalid(key === undefined ? 'key' : 'prefix', 'A form upload needs exactly one of "key" (one exact key) and "prefix" (any key under it).');
  }

  const field = key === undefined ? 'prefix' : 'key';
  const value = key ?? prefix ?? '';
  checkKeyText(field, value);
  // The store replaces the variable in the submitted key before it checks the policy (Ceph
  // RGW 16.2 does), so a key that contains it would not match its own condition.
  if (value.includes(FILENAME_VARIABLE)) {
    throw invalid(field, `Field "${field}" must not contain "${FILENAME_VARIABLE}", which S3 replaces with the uploaded file's name.`);
  }

  if (key !== undefined) {
    if (key === '') throw invalid(field, 'Field "key" must not be empty.');
    fields.key = key;
    return ['eq', '$key', key];
  }
  fields.key = `${value}${FILENAME_VARIABLE}`;
  return ['starts-with', '$key', value];
}

/** Returns the `content-length-range` condition, or undefined when no size limit is given. */
function sizeCondition(constraints: PostUploadConstraints): PostPolicyCondition | undefined {
  const { maxBytes, minBytes } = constraints;
  for (const [field, value] of [
    ['maxBytes', maxBytes],
    ['minBytes', minBytes],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw invalid(field, `Field "${field}" must be a whole number of bytes, 0 or more, got ${value}.`);
    }
  }

  if (maxBytes === undefined) {
    if (minBytes !== undefined) throw invalid('minBytes', 'Field "minBytes" needs "maxBytes" as well.');
    return undefined;
  }
  if (minBytes !== undefined && minBytes > maxBytes) {
    throw invalid('minBytes', `Field "minBytes" (${minBytes}) must not exceed "maxBytes" (${maxBytes}).`);
  }
  return ['content-length-range', minBytes ?? 0, maxBytes];
}

/**
 * Returns the `Content-Type` condition, and sets the field when one exact type is required.
 * A POST policy has no "one of" operator, so several types cannot be allowed at once.
 */
function contentTypeCondition(contentTypes: string[] | undefined, fields: Record<string, string>): PostPolicyCondition {
  const distinct = [...new Set(contentTypes ?? [ANY_MEDIA_TYPE])];
  if (distinct.length === 0) {
    throw invalid('contentTypes', 'Field "contentTypes" is empty; list one media type, or leave the field out to allow any type.');
  }
  if (distinct.length > 1) {
    throw invalid(
      'contentTypes',
      `Field "contentTypes" lists ${distinct.length} media types, but a POST policy matches only one exact type or one "type/*" family; send one entry, or leave the field out to allow any type.`,
    );
  }

  const [contentType] = distinct as [string];
  if (contentType === ANY_MEDIA_TYPE) return ['starts-with', `$${CONTENT_TYPE_FIELD}`, ''];
  const family = MEDIA_TYPE_FAMILY.exec(contentType)?.[1];
  if (family !== undefined) return ['starts-with', `$${CONTENT_TYPE_FIELD}`, family];
  if (!MEDIA_TYPE.test(contentType)) {
    throw invalid(
      'contentTypes',
      `Field "contentTypes" has "${contentType}", which is neither a media type such as "image/png" nor a family such as "image/*".`,
    );
  }
  fields[CONTENT_TYPE_FIELD] = contentType;
  return ['eq', `$${CONTENT_TYPE_FIELD}`, contentType];
}

/** Returns the POST signature: HMAC-SHA256 of the base64 policy with the SigV4 signing key, in hex. */
function signPolicy(secretAccessKey: string, shortDate: string, region: string, policy: string): string {
  let signingKey = hmac(`AWS4${secretAccessKey}`, shortDate);
  for (const scopePart of [region, S3_SERVICE, KEY_TYPE_IDENTIFIER]) signingKey = hmac(signingKey, scopePart);
  return createHmac('sha256', signingKey).update(policy, 'utf8').digest('hex');
}

function invalid(field: string, message: string): OpenRazError {
  return new OpenRazError('ERR_REQUEST_INVALID', message, { field });
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** ISO 8601 in UTC without milliseconds, as in `2026-01-02T10:05:00Z`. */
function formatIsoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
