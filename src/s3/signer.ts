import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SIGNATURE_QUERY_PARAM, SignatureV4, getCanonicalQuery } from '@smithy/signature-v4';
import { escapeUri } from '@smithy/util-uri-escape';
import { CONTENT_SHA256_HEADER, MAX_PRESIGNED_EXPIRES_SECONDS, S3_SERVICE, UNSIGNED_PAYLOAD } from './constants.js';
import { encodeKeyPath } from './encode.js';
import type { S3Operation } from './operations.js';
import { presignPost, type PostUploadRequest, type PresignedPost } from './presigned-post.js';
import { addressBucket, type StorageTarget } from './target.js';

/** Storage credentials. They never leave openraz: no URL, log line or response contains the secret. */
export interface StorageCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; a URL signed with them dies then too. */
  expiration?: Date;
}

/** Time kept between a URL's expiry and its credentials' expiry, in seconds, for clock skew. */
export const CREDENTIAL_EXPIRY_MARGIN_SECONDS = 60;

/** A presigned request: what the caller sends to S3. */
export interface PresignedRequest {
  method: string;
  url: string;
  /** Headers the caller must send with the URL because they are signed; often empty. */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface PresignOptions {
  expiresInSeconds: number;
  /** The signing instant; the URL's X-Amz-Date is this instant truncated to the second. */
  signingDate: Date;
}

export interface SignHeadersOptions {
  /** The signing instant; X-Amz-Date is this instant truncated to the second. */
  signingDate: Date;
  /**
   * The payload hash to sign when the operation has no fixed body: a hex SHA-256 or a SigV4
   * streaming mode such as `STREAMING-UNSIGNED-PAYLOAD-TRAILER`. UNSIGNED-PAYLOAD when absent.
   */
  payloadHash?: string;
}

/** A request signed with header authentication: the caller sends it with exactly these headers. */
export interface SignedHeadersRequest {
  method: string;
  url: string;
  /** Every header to send, including `Authorization`, `X-Amz-Date`, `X-Amz-Content-Sha256` and `Host`. */
  headers: Record<string, string>;
}

/** A SHA-256 (and HMAC-SHA-256) constructor in the shape SignatureV4 takes. */
export type Sha256Constructor = ConstructorParameters<typeof SignatureV4>[0]['sha256'];

/** SHA-256 from Node's native crypto, the default: see bench/ for the comparison with pure JS. */
export const nodeSha256 = Hash.bind(null, 'sha256') as unknown as Sha256Constructor;

const UNSIGNED_PAYLOAD_HEADERS = new Set([CONTENT_SHA256_HEADER]);
const NO_HEADERS = new Set<string>();

/**
 * Presigns S3 requests for one storage target with one set of credentials. The SignatureV4
 * instance is built once and caches the derived signing key per day, so a request costs
 * two HMACs and one SHA-256.
 */
export class UrlSigner {
  /** The destination of the signed requests: endpoint, region and addressing style. */
  readonly target: StorageTarget;
  private readonly credentials: StorageCredentials;
  private readonly signer: SignatureV4;
  /** When the credentials expire; undefined for long-term keys. */
  readonly credentialsExpiration: Date | undefined;

  constructor(target: StorageTarget, credentials: StorageCredentials, sha256: Sha256Constructor = nodeSha256) {
    this.target = target;
    this.credentials = credentials;
    this.credentialsExpiration = credentials.expiration;
    this.signer = new SignatureV4({
      service: S3_SERVICE,
      region: target.region,
      credentials: {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken }),
      },
      sha256,
      // S3 signs the path as sent, encoded once; the signer must not encode it again.
      uriEscapePath: false,
    });
  }

  /**
   * Returns the longest URL lifetime, in seconds, that ends before the credentials do (with
   * a margin), or Infinity for long-term keys. Zero or less means nothing can be signed.
   */
  remainingLifetimeSeconds(now: Date): number {
    if (this.credentialsExpiration === undefined) return Number.POSITIVE_INFINITY;
    return Math.floor((this.credentialsExpiration.getTime() - now.getTime()) / 1000) - CREDENTIAL_EXPIRY_MARGIN_SECONDS;
  }

  /**
   * Signs `operation` with query authentication. The URL is built by string concatenation
   * from the same path and query the signature covers: a URL parser could rewrite a key
   * (dot segments, a leading `//`) and so address another object than the one authorized.
   */
  async presign(operation: S3Operation, options: PresignOptions): Promise<PresignedRequest> {
    const { expiresInSeconds, signingDate } = options;
    if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
      throw new RangeError(`expiresInSeconds must be an integer from 1 to ${MAX_PRESIGNED_EXPIRES_SECONDS}, got ${expiresInSeconds}`);
    }

    const { request, headers } = this.buildRequest(operation);
    // S3 verifies a presigned URL against UNSIGNED-PAYLOAD unless the request carries a signed
    // payload hash. Without this header the signer would hash an empty body into the signature.
    const payloadHeaders = operation.payloadSha256 === undefined ? UNSIGNED_PAYLOAD_HEADERS : NO_HEADERS;
    const signed = await this.signer.presign(request, {
      expiresIn: expiresInSeconds,
      signingDate,
      unsignableHeaders: payloadHeaders,
      // SignatureV4 would move every x-amz-* header into the query. Ceph RGW (tested with
      // 16.2) ignores them there: a PUT with x-amz-copy-source in the query stored an empty
      // object. So every header stays a signed header, as botocore signs them, and the caller
      // must send it exactly.
      unhoistableHeaders: new Set([CONTENT_SHA256_HEADER, ...Object.keys(headers).map((name) => name.toLowerCase())]),
    });

    const signature = signed.query?.[SIGNATURE_QUERY_PARAM];
    if (typeof signature !== 'string') throw new Error('SignatureV4.presign returned no signature');
    const query = `${getCanonicalQuery(signed)}&${SIGNATURE_QUERY_PARAM}=${escapeUri(signature)}`;

    const signedSeconds = Math.floor(signingDate.getTime() / 1000);
    return {
      method: operation.method,
      url: `${this.target.protocol}//${request.hostname}${request.path}?${query}`,
      headers,
      expiresAt: new Date((signedSeconds + expiresInSeconds) * 1000),
    };
  }

  /**
   * Signs `operation` with header authentication, for clients that send the request
   * themselves: returns the URL and every header to send, `Authorization` among them. The
   * payload is UNSIGNED-PAYLOAD unless the operation carries its body hash or `payloadHash`
   * names another SigV4 payload mode.
   */
  async signHeaders(operation: S3Operation, options: SignHeadersOptions): Promise<SignedHeadersRequest> {
    const { request } = this.buildRequest(operation);
    const payloadHash = operation.payloadSha256 ?? options.payloadHash ?? UNSIGNED_PAYLOAD;
    request.headers[CONTENT_SHA256_HEADER] = payloadHash;
    const signed = await this.signer.sign(request, { signingDate: options.signingDate });

    const query = getCanonicalQuery(signed);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) headers[SIGNED_HEADER_NAMES[name] ?? name] = value;
    return { method: operation.method, url: `${this.target.protocol}//${request.hostname}${request.path}${query === '' ? '' : `?${query}`}`, headers };
  }

  /** Presigns a browser form upload on this target with these credentials; see `presignPost`. */
  presignPost(request: PostUploadRequest): PresignedPost {
    return presignPost(this.target, this.credentials, request);
  }

  /** Builds the HTTP request for `operation` on this target, with the headers the caller must send. */
  private buildRequest(operation: S3Operation): { request: HttpRequest; headers: Record<string, string> } {
    const { host, pathPrefix } = addressBucket(this.target, operation.bucket);
    const headers = { ...operation.headers };
    if (OBJECT_CREATING_OPERATIONS.has(operation.name) && this.target.putObjectAcl !== undefined) headers['x-amz-acl'] = this.target.putObjectAcl;
    if (this.target.guardCopySource === true) Object.assign(headers, COPY_SOURCE_GUARDS[operation.name]);
    if (operation.payloadSha256 !== undefined) headers[CONTENT_SHA256_HEADER] = operation.payloadSha256;
    const keyPath = operation.key === undefined ? '' : `/${encodeKeyPath(operation.key)}`;
    const path = `${pathPrefix}${keyPath}` || '/';

    const request = new HttpRequest({
      method: operation.method,
      protocol: this.target.protocol,
      hostname: host,
      path,
      query: { ...operation.query },
      headers: { [CONTENT_SHA256_HEADER]: UNSIGNED_PAYLOAD, ...headers, host },
    });
    return { request, headers };
  }
}

/**
 * The operations that create an object and take a canned ACL: the configured ACL is signed
 * into each, so an unsigned `x-amz-acl` that a lax store would run cannot be added.
 */
const OBJECT_CREATING_OPERATIONS: ReadonlySet<string> = new Set(['PutObject', 'CreateMultipartUpload', 'CopyObject']);

/**
 * Headers that a plain upload ignores and that fail a copy smuggled into it with an unsigned
 * `x-amz-copy-source`: a copy precondition that never holds, and an empty source range.
 * Ceph RGW 16.2 reads CopyObject's preconditions as `x-amz-copy-if-*` and ignores them on
 * UploadPartCopy, where the range fails the copy with 416 instead.
 */
const COPY_SOURCE_GUARDS: Readonly<Record<string, Record<string, string>>> = {
  PutObject: { 'x-amz-copy-if-unmodified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' },
  UploadPart: { 'x-amz-copy-source-range': 'bytes=1-0' },
};

/** Canonical spellings for the headers header authentication adds, as SDKs send them. */
const SIGNED_HEADER_NAMES: Record<string, string> = {
  authorization: 'Authorization',
  'x-amz-date': 'X-Amz-Date',
  'x-amz-security-token': 'X-Amz-Security-Token',
  [CONTENT_SHA256_HEADER]: 'X-Amz-Content-Sha256',
  host: 'Host',
};
