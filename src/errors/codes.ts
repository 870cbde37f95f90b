/**
 * Every error code the HTTP API can return, with its HTTP status and a one-line description.
 *
 * The codes are part of the public interface: clients branch on them, so a code is never
 * renamed or reused. `openapi.yaml` lists the same set, and a test keeps the two equal.
 */
export const ERROR_CODES = {
  ERR_REQUEST_INVALID: { status: 400, description: 'The request body does not match the schema, or has fields that do not go with the operation; `field` names the field.' },
  ERR_REQUEST_BODY_INVALID: { status: 400, description: 'The S3 request body in `body` (DeleteObjects or tagging XML) is not what S3 documents, or could be read differently by S3; `field` is `body`.' },
  ERR_REQUEST_BODY_NOT_JSON: { status: 400, description: 'The request body is not a JSON object in valid UTF-8.' },
  ERR_REQUEST_KEY_INVALID: { status: 400, description: 'A key, prefix or other S3 name is longer than 1024 UTF-8 bytes, contains a control character or an unpaired surrogate; `field` names it.' },
  ERR_REQUEST_KEY_DOT_SEGMENT: { status: 400, description: 'The key has a `.` or `..` path segment, which HTTP clients rewrite; allowed only with `s3.allowDotSegments`.' },
  ERR_REQUEST_BUCKET_UNROUTED: { status: 400, description: 'No storage target serves the bucket: it matches no bucket pattern of `s3.targets`; `field` is `bucket`.' },
  ERR_REQUEST_EXPIRY_OUT_OF_RANGE: { status: 400, description: '`expiresInSeconds` is outside 1 to the configured maximum.' },
  ERR_REQUEST_TOO_LARGE: { status: 413, description: 'The request body is larger than `server.bodyLimitBytes`.' },
  ERR_REQUEST_MEDIA_TYPE: { status: 415, description: 'The request body is not `application/json`.' },
  ERR_AUTH_TOKEN_MISSING: { status: 401, description: 'No `Authorization: Bearer <JWT>` header was sent.' },
  ERR_AUTH_TOKEN_MALFORMED: { status: 401, description: 'The bearer token is not a well-formed compact JWS.' },
  ERR_AUTH_TOKEN_EXPIRED: { status: 401, description: 'The token `exp` is in the past, beyond the clock tolerance.' },
  ERR_AUTH_SIGNATURE_INVALID: { status: 401, description: 'The token signature does not verify with the configured keys.' },
  ERR_AUTH_ALGORITHM_NOT_ALLOWED: { status: 401, description: 'The token `alg` is not in `jwt.algorithms`.' },
  ERR_AUTH_KEY_NOT_FOUND: { status: 401, description: 'No configured key matches the token `kid` and `alg`.' },
  ERR_AUTH_CLAIM_INVALID: { status: 401, description: 'A required claim is missing or invalid; `claim` names it.' },
  ERR_AUTH_JWKS_UNAVAILABLE: { status: 503, description: 'The JWKS endpoint could not be reached and no cached key matches.' },
  ERR_ACCESS_DENIED: { status: 403, description: 'The policies do not allow this operation for this user, or an admin has blocked the user, a group, the token or the prefix.' },
  ERR_AUTH_ADMIN_SCOPE_REQUIRED: { status: 403, description: 'Asking `/v1/authorize` on behalf of another principal (`as`), and every `/v1/admin/` route, need the admin scope (`jwt.adminScope`) in the token.' },
  ERR_REVOCATION_NOT_FOUND: { status: 404, description: 'No revocation has this id; `GET /v1/admin/revocations` lists them.' },
  ERR_REVOCATION_FROM_FILE: { status: 409, description: 'The revocation comes from the revocation file (`revocation.file`), so only a change of the file removes it.' },
  ERR_REVOCATION_STORE_UNAVAILABLE: { status: 503, description: 'The shared revocation store (Redis, `redis.url`) cannot be reached. The change may or may not have been stored, so check `GET /v1/admin/revocations` before retrying.' },
  ERR_ROUTE_NOT_FOUND: { status: 404, description: 'No route matches the method and path.' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, description: 'The route exists but not for this HTTP method.' },
  ERR_RATE_LIMITED: { status: 429, description: 'The user of the token sent more than `rateLimit.maxRequestsPerWindow` requests in one `rateLimit.windowMs` window. Retry after the seconds in `Retry-After`.' },
  ERR_AUDIT_UNAVAILABLE: { status: 503, description: 'The audit destination cannot be written, and `audit.onFailure` is `block`: nothing is signed until it is fixed.' },
  ERR_SERVICE_NOT_READY: { status: 503, description: 'The storage target that serves the bucket has no valid credentials (none loaded, or expired), so nothing can be signed there; `/readyz` lists each target.' },
  ERR_INTERNAL: { status: 500, description: 'An unexpected error; the diagnostic log has the details under the request id.' },
  ERR_REQUEST_URL_INVALID: {
    status: 400,
    description:
      'The `url` of a request to sign with headers is not an S3 URL of the storage endpoint: invalid percent-encoding or UTF-8, not encoded as SigV4 encodes it, another host or addressing style, or a query parameter that is unknown or not taken by the operation; `field` is `url` or `query.<name>`.',
  },
  ERR_REQUEST_HEADER_NOT_ALLOWED: {
    status: 400,
    description:
      'A header of a request to sign with headers would change what the request does beyond what the policies decided (such as `x-amz-acl`), or is one that openraz sets itself (`Authorization`, `X-Amz-Date`, `X-Amz-Security-Token`); `field` is `headers.<name>`.',
  },
  ERR_REQUEST_OPERATION_UNSUPPORTED: {
    status: 400,
    description: 'The method and URL of a request to sign with headers form no S3 operation that openraz signs, such as CreateBucket; `field` is `method`.',
  },
} as const satisfies Record<string, { status: number; description: string }>;

/** A stable error code returned in the `code` field of every error response. */
export type ErrorCode = keyof typeof ERROR_CODES;
