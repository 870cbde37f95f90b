import type { VerifiedToken } from '../auth/index.js';
import { OpenRazError } from '../errors/index.js';
import {
  HEADER_SIGNATURE_VALIDITY_SECONDS,
  canonicalQueryPairs,
  classifyRequest,
  formatAddress,
  parseRequestUrl,
  relocateFieldError,
  type ClassifiedRequest,
  type S3RequestDescription,
  type SignedHeadersRequest,
  type StorageTarget,
  addressesEndpoint,
  endpointOrigin,
} from '../s3/index.js';
import { authorizeOperation, type AuthorityDependencies, type CallContext, type SignRequest, type SignResult } from './authority.js';

/**
 * Checks an operation request against the request schema of `POST /v1/sign`, which the HTTP
 * layer owns.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` naming the field.
 */
export type SignRequestCheck = (request: SignRequest) => void;

/**
 * Authorizes an S3 request that the caller describes as it will send it, and signs it with
 * header authentication: the caller gets every header to send, Authorization among them.
 *
 * The request is mapped to the operation request of `POST /v1/sign` (classifyRequest) and
 * decided, audited and counted exactly as there, one decision per access. The headers the
 * caller wants signed as they are (`x-amz-meta-*`, checksums …) are added only after the
 * decision, and only those that cannot widen what was decided are accepted.
 *
 * S3 accepts a header-signed request for 15 minutes from its X-Amz-Date, and openraz cannot
 * shorten that. The decision therefore gets `expiresInSeconds` 900, so `max-expires-seconds`
 * conditions check the real validity, and `expiresAt` is X-Amz-Date plus 15 minutes or the
 * credentials' expiry less its margin, whichever comes first. A `signing.maxExpiresSeconds`
 * below 900 rejects every such request.
 *
 * @param checkSchema The schema check of `POST /v1/sign`, run on the mapped request.
 * @throws OpenRazError as `POST /v1/sign` does, plus `ERR_REQUEST_URL_INVALID`,
 *   `ERR_REQUEST_HEADER_NOT_ALLOWED` and `ERR_REQUEST_OPERATION_UNSUPPORTED`. An error about
 *   a mapped field names the part of the description it came from (`url`, `query.<name>`,
 *   `headers.<name>`).
 */
export async function authorizeAndSignRequest(
  dependencies: AuthorityDependencies,
  caller: VerifiedToken,
  description: S3RequestDescription,
  context: CallContext,
  checkSchema: SignRequestCheck,
): Promise<SignResult> {
  const target = chooseTarget(dependencies, description.url);
  const classified = classifyRequest(description, target);
  checkServedByTarget(dependencies, classified.request.bucket, target);
  checkMetadataDirective(classified);
  if (dependencies.signing.maxExpiresSeconds < HEADER_SIGNATURE_VALIDITY_SECONDS) {
    throw new OpenRazError(
      'ERR_REQUEST_EXPIRY_OUT_OF_RANGE',
      `S3 accepts a request signed with headers for ${HEADER_SIGNATURE_VALIDITY_SECONDS} s, longer than this server's signing.maxExpiresSeconds (${dependencies.signing.maxExpiresSeconds}) allows; use POST /v1/sign, or ask the operators to raise the maximum.`,
    );
  }

  const request: SignRequest = { ...classified.request, expiresInSeconds: HEADER_SIGNATURE_VALIDITY_SECONDS };
  let authorized: Awaited<ReturnType<typeof authorizeOperation>>;
  try {
    checkSchema(request);
    authorized = await authorizeOperation(dependencies, caller, request, context);
  } catch (error) {
    throw relocateFieldError(error);
  }
  const { operation, signer, expiresAt, decisionId, policyId } = authorized;
  addCallerParts(operation, classified);

  const stopTimer = dependencies.metrics.signingDuration.startTimer({ operation: operation.name });
  const signed = await signer.signHeaders(operation, {
    signingDate: context.now,
    ...(classified.payloadHash === undefined ? {} : { payloadHash: classified.payloadHash }),
  });
  stopTimer();
  checkSignedAsDescribed(signed, classified);
  return { method: signed.method, url: signed.url, headers: signed.headers, expiresAt, decisionId, policyId };
}

/**
 * Chooses the storage target whose endpoint the URL addresses, path-style or as a bucket
 * under it, in configuration order. When none does, the first target is returned, so the
 * classifier names the expected endpoint. The decision then signs with the target that
 * serves the bucket, and a URL on another target's endpoint fails the final check.
 */
function chooseTarget(dependencies: Pick<AuthorityDependencies, 'storageTargets' | 'signer'>, url: string): StorageTarget {
  const targets = dependencies.storageTargets?.() ?? [];
  const chosen = targets.find((target) => addressesEndpoint(url, target)) ?? targets[0] ?? dependencies.signer(undefined)?.target;
  if (chosen === undefined) {
    throw new OpenRazError('ERR_SERVICE_NOT_READY', 'No storage target is configured with valid credentials, so nothing can be signed; see /readyz.');
  }
  return chosen;
}

/**
 * Rejects a URL on one target's endpoint for a bucket that another target serves, before
 * anything is decided: the signature would name the other endpoint.
 *
 * @throws OpenRazError `ERR_REQUEST_URL_INVALID` naming `url`.
 */
function checkServedByTarget(dependencies: Pick<AuthorityDependencies, 'signer'>, bucket: string | undefined, target: StorageTarget): void {
  if (bucket === undefined) return;
  let served: StorageTarget | undefined;
  try {
    served = dependencies.signer(bucket)?.target;
  } catch (error) {
    throw relocateFieldError(error);
  }
  if (served === undefined || endpointOrigin(served) === endpointOrigin(target)) return;
  // The message does not name the other endpoint: the caller is not authorized yet.
  throw new OpenRazError('ERR_REQUEST_URL_INVALID', `Bucket "${bucket}" is not served by the storage endpoint that "url" names; use the endpoint that serves it.`, {
    field: 'url',
  });
}

/**
 * Rejects a CopyObject that declares a Content-Type but requests the source's metadata,
 * because the type the policies checked would then not be the type stored.
 *
 * @throws OpenRazError `ERR_REQUEST_HEADER_NOT_ALLOWED` naming the header.
 */
function checkMetadataDirective(classified: ClassifiedRequest): void {
  const directive = classified.headers['x-amz-metadata-directive'];
  if (classified.request.operation !== 'CopyObject' || classified.request.contentType === undefined || directive === undefined || directive === 'REPLACE') return;
  throw new OpenRazError(
    'ERR_REQUEST_HEADER_NOT_ALLOWED',
    'A copy with "content-type" stores that type only with "x-amz-metadata-directive: REPLACE"; send REPLACE or leave the header out.',
    { field: 'headers.x-amz-metadata-directive' },
  );
}

/** Adds the headers and query parameters that the caller sends and that are signed as they are. */
function addCallerParts(operation: { headers: Record<string, string>; query: Record<string, string> }, classified: ClassifiedRequest): void {
  for (const [name, value] of Object.entries(classified.headers)) {
    // The classifier accepts none of the headers that the operation or its upload
    // requirements set, except the same value of a header both send.
    if (operation.headers[name] !== undefined && operation.headers[name] !== value) {
      throw new OpenRazError('ERR_REQUEST_HEADER_NOT_ALLOWED', `Header "${name}" must be "${operation.headers[name]}" for this request.`, { field: `headers.${name}` });
    }
    operation.headers[name] = value;
  }
  Object.assign(operation.query, classified.query);
}

/**
 * Checks that the signed request addresses what the caller described: the same scheme, host
 * and path bytes, and the same query as a set of pairs. The classifier already required
 * this form, so a mismatch means the signer and the classifier disagree, and the request is
 * rejected rather than handed out for bytes other than those decided.
 *
 * @throws OpenRazError `ERR_REQUEST_URL_INVALID` naming `url`.
 */
function checkSignedAsDescribed(signed: SignedHeadersRequest, classified: ClassifiedRequest): void {
  const signedUrl = parseRequestUrl(signed.url);
  const described = classified.url;
  const sameAddress = formatAddress(signedUrl) === formatAddress(described);
  const signedQuery = canonicalQueryPairs(signedUrl.query);
  const describedQuery = canonicalQueryPairs(described.query);
  const sameQuery = signedQuery.size === describedQuery.size && [...signedQuery].every((pair) => describedQuery.has(pair));
  if (!sameAddress || !sameQuery) {
    throw new OpenRazError('ERR_REQUEST_URL_INVALID', `Field "url" must be the URL that openraz signs for this request, "${signed.url}".`, {
      field: 'url',
    });
  }
}
