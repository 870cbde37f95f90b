import { randomUUID } from 'node:crypto';
import type { VerifiedToken } from '../auth/index.js';
import { OpenRazError } from '../errors/index.js';
import { ACCESS_TYPES, type AccessType, type Explanation, type Principal, type ResourceRequest } from '../policy/index.js';
import { OPERATION_SPECS, describeOperation, validateOperationRequest, type OperationName } from '../s3/index.js';
import type { RevocationSubject } from '../revocation/index.js';
import { checkReservedBucket, decideWithRevocations, recordDecision, resolveExpiry, toAccessRequest, type AuthorityDependencies, type CallContext, type SignRequest } from './authority.js';

/** A request to explain a decision: a sign request, or a bucket with a key or prefix and access types. */
export interface AuthorizeRequest extends Omit<SignRequest, 'operation' | 'bucket'> {
  bucket: string;
  operation?: OperationName;
  accessTypes?: AccessType[];
  /** Decide for this principal instead of the caller; needs the admin scope. */
  as?: { user: string; groups?: string[]; roles?: string[] };
}

export interface AuthorizeResult {
  principal: Principal;
  resource: ResourceRequest;
  decisions: (Explanation & { accessType: AccessType; decisionId: string })[];
}

/**
 * Decides a request for each access type and explains how, without signing anything. Each
 * decision is audited like a sign decision, with kind `authorize`. The explanation (policies,
 * items, conditions) is returned only to callers with the admin scope; others get the bare
 * decision, because policies are not theirs to read. An admin's block decides before the
 * policies, as on `/v1/sign`, and the trace still shows what the policies would decide.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` for an invalid request,
 *   `ERR_AUTH_ADMIN_SCOPE_REQUIRED` when `as` is used without the admin scope, and
 *   `ERR_ACCESS_DENIED` when `as` is used by a caller that a block names.
 */
export function explainAccess(
  dependencies: Pick<AuthorityDependencies, 'policies' | 'audit' | 'metrics' | 'signing' | 'reservedBucketNames' | 'revocations'>,
  caller: VerifiedToken,
  request: AuthorizeRequest,
  context: CallContext,
  adminScope: string,
): AuthorizeResult {
  if (request.as !== undefined && !caller.scopes.includes(adminScope)) {
    throw new OpenRazError('ERR_AUTH_ADMIN_SCOPE_REQUIRED', `Deciding for another principal ("as") needs the scope "${adminScope}" in the token.`, { field: 'as' });
  }
  // A revoked admin token must not go on reading the policies through other principals.
  if (request.as !== undefined && dependencies.revocations?.findSubjectBlock(caller) !== undefined) {
    throw new OpenRazError('ERR_ACCESS_DENIED', 'Access denied: an admin has blocked this token, its user or one of its groups.', { field: 'as' });
  }
  const principal: Principal = request.as === undefined ? caller : { user: request.as.user, groups: request.as.groups ?? [], roles: request.as.roles ?? [] };
  // For another principal there is no token, so token blocks cannot apply.
  const subject: RevocationSubject = request.as === undefined ? caller : principal;
  const detailed = caller.scopes.includes(adminScope);

  const { accessTypes, resource, operation } = describeTarget(request);
  checkReservedBucket(request.bucket, dependencies.reservedBucketNames);
  // The same default as /v1/sign, so that max-expires-seconds conditions decide alike.
  const expiresInSeconds = resolveExpiry(request.expiresInSeconds, dependencies.signing);
  const policies = dependencies.policies();

  const decisions = accessTypes.map((accessType) => {
    // The same attributes as /v1/sign, so that upload conditions decide alike.
    const upload = operation === undefined ? undefined : OPERATION_SPECS[operation].upload;
    const accessRequest = toAccessRequest(principal, accessType, resource, context, {
      expiresInSeconds,
      ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
      ...(request.contentLength === undefined ? {} : { contentLength: request.contentLength }),
      ...(request.serverSideEncryption === undefined ? {} : { serverSideEncryption: request.serverSideEncryption }),
      ...(request.ifNoneMatch === undefined ? {} : { ifNoneMatch: request.ifNoneMatch }),
      ...(upload === undefined ? {} : { upload }),
    });
    const trace = policies.explain(accessRequest);
    // This evaluates the policies a second time when nothing is blocked, which is affordable
    // off the signing path. A block replaces the decision and keeps the policies' trace.
    const decided = decideWithRevocations(dependencies, subject, accessRequest, policies);
    const explanation = decided.rule === 'revoked' ? { ...trace, decision: decided } : trace;
    const decisionId = randomUUID();
    recordDecision(dependencies, {
      kind: 'authorize',
      principal,
      tokenId: caller.tokenId,
      ...(request.as === undefined ? {} : { requestedBy: caller.user }),
      operation: operation ?? 'Authorize',
      accessRequest,
      decision: explanation.decision,
      decisionId,
      context,
      policyVersion: policies.info.version,
    });
    if (detailed) return { ...explanation, accessType, decisionId };
    // Without the admin scope a caller learns its own decision, not the policies behind it.
    const { allowed, rule } = explanation.decision;
    const reason = allowed ? 'allowed' : 'denied';
    return { decision: { allowed, rule, reason }, roles: [], candidates: [], accessType, decisionId };
  });
  return { principal, resource, decisions };
}

function describeTarget(request: AuthorizeRequest): { accessTypes: AccessType[]; resource: ResourceRequest; operation?: OperationName } {
  const hasOperation = request.operation !== undefined;
  const hasAccessTypes = request.accessTypes !== undefined;
  if (hasOperation === hasAccessTypes) {
    throw new OpenRazError('ERR_REQUEST_INVALID', 'Give exactly one of "operation" and "accessTypes".', { field: hasOperation ? 'accessTypes' : 'operation' });
  }

  if (request.operation !== undefined) {
    const signRequest = { ...request, operation: request.operation };
    delete (signRequest as { as?: unknown }).as;
    const resource = OPERATION_SPECS[request.operation].resource;
    if (resource === 'deleted-keys' || resource === 'service') {
      throw new OpenRazError('ERR_REQUEST_INVALID', `${request.operation} cannot be explained as one decision; give "accessTypes" with each "key" or "prefix" instead.`, {
        field: 'operation',
      });
    }
    validateOperationRequest(signRequest);
    // The operation's own access; a copy's read of its source is explained by a second call.
    const [own] = describeOperation(signRequest).accesses;
    return { accessTypes: [own!.accessType], resource: own!.resource, operation: request.operation };
  }

  const accessTypes = [...new Set(request.accessTypes)].filter((type): type is AccessType => (ACCESS_TYPES as readonly string[]).includes(type));
  for (const field of ['delimiter', 'maxKeys', 'continuationToken', 'startAfter', 'encodingType'] as const) {
    if (request[field] !== undefined) {
      throw new OpenRazError('ERR_REQUEST_INVALID', `"${field}" is a ListObjectsV2 parameter; with "accessTypes" give only "key" or "prefix".`, { field });
    }
  }
  if ((request.key === undefined) === (request.prefix === undefined)) {
    throw new OpenRazError('ERR_REQUEST_INVALID', 'With "accessTypes", give exactly one of "key" (an object) and "prefix" (every key under it).', { field: 'key' });
  }
  const resource: ResourceRequest =
    request.key !== undefined ? { kind: 'object', bucket: request.bucket, key: request.key } : { kind: 'prefix', bucket: request.bucket, prefix: request.prefix! };
  // Validated as the operation with the same resource, so keys and upload fields follow the same rules.
  const upload = { ...(request.contentType === undefined ? {} : { contentType: request.contentType }), ...(request.contentLength === undefined ? {} : { contentLength: request.contentLength }) };
  validateOperationRequest(
    request.key !== undefined
      ? { operation: 'PutObject', bucket: request.bucket, key: request.key, ...upload }
      : { operation: 'ListObjectsV2', bucket: request.bucket, prefix: request.prefix!, ...upload },
  );
  return { accessTypes, resource };
}
