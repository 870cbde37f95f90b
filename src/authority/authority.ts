import { randomUUID } from 'node:crypto';
import type { AuditLog, AuditRecord } from '../audit/index.js';
import type { VerifiedToken } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { OpenRazError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { AccessRequest, AccessType, Decision, PolicySet, Principal, ResourceRequest } from '../policy/index.js';
import type { RevocationCheck } from '../revocation/index.js';
import { checkDotSegments, describeOperation, validateOperationRequest, type OperationRequest, type PresignedRequest, type UrlSigner } from '../s3/index.js';

/** A sign request as the API receives it: one operation plus the URL lifetime. */
export interface SignRequest extends OperationRequest {
  expiresInSeconds?: number;
}

export interface SignResult extends PresignedRequest {
  decisionId: string;
  policyId: string;
}

/** Facts about the HTTP call, for conditions and the audit line. */
export interface CallContext {
  requestId: string;
  clientIp: string;
  /** The instant of the call, read once: the decision and the signature both use it. */
  now: Date;
}

/** The authority's collaborators. Policies and signer are getters, because a reload can swap them. */
export interface AuthorityDependencies {
  policies(): PolicySet;
  /**
   * Returns the signer of the storage target that serves `bucket`, or undefined when it has
   * no credentials.
   *
   * @throws OpenRazError `ERR_REQUEST_BUCKET_UNROUTED` when no target serves the bucket.
   */
  signer(bucket: string): UrlSigner | undefined;
  audit: AuditLog;
  metrics: Metrics;
  signing: Config['signing'];
  /** Bucket names never signed because the store routes them to its own APIs. */
  reservedBucketNames?: ReadonlySet<string>;
  /** Blocks set by admins, checked before the policies. */
  revocations?: RevocationCheck;
  /** Sign keys with `.` or `..` segments (`s3.allowDotSegments`); false when absent. */
  allowDotSegments?: boolean;
  /**
   * Whether a decision waits for its audit line (`audit.onFailure: block`): then nothing is
   * signed unless the line was written. True when absent.
   */
  auditBlocking?: boolean;
}

/**
 * Authorizes one S3 operation for a verified caller and, when the policies allow it, signs
 * it. Every decision is audited and counted; a denied request never reaches the signer.
 *
 * @throws OpenRazError `ERR_REQUEST_*` for an invalid request, `ERR_ACCESS_DENIED` when the
 *   policies deny, `ERR_SERVICE_NOT_READY` when no storage credentials are loaded.
 */
export async function authorizeAndSign(
  dependencies: AuthorityDependencies,
  caller: VerifiedToken,
  request: SignRequest,
  context: CallContext,
): Promise<SignResult> {
  validateOperationRequest(request);
  checkDotSegments(request.key, dependencies.allowDotSegments ?? false);
  checkReservedBucket(request.bucket, dependencies.reservedBucketNames);
  const requestedExpiry = resolveExpiry(request.expiresInSeconds, dependencies.signing);

  const signer = dependencies.signer(request.bucket);
  if (signer === undefined || signer.remainingLifetimeSeconds(context.now) < 1) {
    throw new OpenRazError('ERR_SERVICE_NOT_READY', 'No valid storage credentials are loaded (none, or expired), so nothing can be signed; see /readyz.');
  }
  // A URL never outlives its credentials: the lifetime is cut to what they have left, and
  // the response and the audit line carry the real expiry.
  const expiresInSeconds = Math.min(requestedExpiry, signer.remainingLifetimeSeconds(context.now));
  const auditBlocking = dependencies.auditBlocking ?? true;
  if (auditBlocking && !dependencies.audit.healthy()) throw auditUnavailable();

  const operation = describeOperation(request);
  const policies = dependencies.policies();
  const accessRequest = toAccessRequest(caller, operation.accessType, operation.resource, context, { ...request, expiresInSeconds });
  const decision = decideWithRevocations(dependencies, caller, accessRequest, policies);
  const decisionId = randomUUID();
  const expiresAt = new Date((Math.floor(context.now.getTime() / 1000) + expiresInSeconds) * 1000);

  const audited = recordDecision(dependencies, {
    kind: 'sign',
    principal: caller,
    tokenId: caller.tokenId,
    operation: operation.name,
    accessRequest,
    decision,
    decisionId,
    context,
    policyVersion: policies.info.version,
    ...(decision.allowed ? { expiresAt } : {}),
  });
  if (auditBlocking && !(await audited)) throw auditUnavailable();
  if (!decision.allowed || decision.policyId === undefined) {
    throw new OpenRazError('ERR_ACCESS_DENIED', `Access denied: user "${caller.user}" may not ${operation.accessType} ${describeTarget(operation.resource)}.`, { decisionId });
  }

  const stopTimer = dependencies.metrics.signingDuration.startTimer({ operation: operation.name });
  const presigned = await signer.presign(operation, { expiresInSeconds, signingDate: context.now });
  stopTimer();
  return { ...presigned, decisionId, policyId: decision.policyId };
}

/**
 * Rejects a bucket name that the store routes to its own API instead of a bucket: on Ceph
 * RGW a URL for bucket `admin` reaches the admin API, signed with openraz's credentials.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` naming the field `bucket`.
 */
export function checkReservedBucket(bucket: string, reserved: ReadonlySet<string> | undefined): void {
  if (reserved?.has(bucket)) {
    throw new OpenRazError('ERR_REQUEST_INVALID', `Bucket name "${bucket}" is reserved: the storage server routes it to its own API (s3.reservedBucketNames).`, { field: 'bucket' });
  }
}

/**
 * Applies the configured default and maximum to the requested lifetime.
 *
 * @throws OpenRazError `ERR_REQUEST_EXPIRY_OUT_OF_RANGE` outside 1 to the maximum.
 */
export function resolveExpiry(requested: number | undefined, signing: Config['signing']): number {
  if (requested === undefined) return signing.defaultExpiresSeconds;
  if (!Number.isInteger(requested) || requested < 1 || requested > signing.maxExpiresSeconds) {
    throw new OpenRazError(
      'ERR_REQUEST_EXPIRY_OUT_OF_RANGE',
      `Field "expiresInSeconds" must be an integer from 1 to ${signing.maxExpiresSeconds}; got ${requested}.`,
      { field: 'expiresInSeconds' },
    );
  }
  return requested;
}

/**
 * Decides with the admins' blocks first: a blocked user, group, token or prefix is denied
 * whatever the policies decide, with a reason of its own.
 */
export function decideWithRevocations(
  dependencies: Pick<AuthorityDependencies, 'revocations'>,
  caller: { user: string; groups: readonly string[]; tokenId?: string },
  accessRequest: AccessRequest,
  policies: PolicySet,
): Decision {
  const block = dependencies.revocations?.findBlock(caller, accessRequest.resource);
  if (block !== undefined) return { allowed: false, rule: 'revoked', reason: `revoked: ${block}` };
  return policies.evaluate(accessRequest);
}

/** Builds the engine's request: the principal, the resource and the request attributes for conditions. */
export function toAccessRequest(
  principal: Principal,
  accessType: AccessType,
  resource: ResourceRequest,
  context: CallContext,
  attributes: { expiresInSeconds?: number; contentType?: string; contentLength?: number },
): AccessRequest {
  return {
    principal: { user: principal.user, groups: principal.groups, ...(principal.roles === undefined ? {} : { roles: principal.roles }) },
    accessType,
    resource,
    context: {
      clientIp: context.clientIp,
      time: context.now,
      ...(attributes.expiresInSeconds === undefined ? {} : { expiresInSeconds: attributes.expiresInSeconds }),
      ...(attributes.contentType === undefined ? {} : { contentType: attributes.contentType }),
      ...(attributes.contentLength === undefined ? {} : { contentLength: attributes.contentLength }),
    },
  };
}

/** Facts about one decision, for its audit line and metrics. */
export interface DecisionFacts {
  kind: AuditRecord['kind'];
  principal: Principal;
  tokenId: string | undefined;
  /** The user whose token made the call, when it asked on behalf of another principal. */
  requestedBy?: string;
  operation: string;
  accessRequest: AccessRequest;
  decision: Decision;
  decisionId: string;
  context: CallContext;
  policyVersion: string;
  expiresAt?: Date;
}

function auditUnavailable(): OpenRazError {
  return new OpenRazError('ERR_AUDIT_UNAVAILABLE', 'The audit log cannot be written, so nothing is signed; the operators must fix the audit destination.');
}

/**
 * Writes the audit line and counts the decision. The promise resolves to whether the line
 * was written; it never rejects, and a failure is counted.
 */
export function recordDecision(dependencies: Pick<AuthorityDependencies, 'audit' | 'metrics'>, facts: DecisionFacts): Promise<boolean> {
  const { principal, decision, accessRequest, context } = facts;
  const { resource } = accessRequest;
  dependencies.metrics.decisions.inc({
    decision: decision.allowed ? 'allow' : 'deny',
    operation: facts.operation,
    access_type: accessRequest.accessType,
  });
  return dependencies.audit
    .write({
    kind: facts.kind,
    decisionId: facts.decisionId,
    requestId: context.requestId,
    user: principal.user,
    groups: principal.groups,
    ...(principal.roles === undefined || principal.roles.length === 0 ? {} : { roles: principal.roles }),
    ...(facts.requestedBy === undefined ? {} : { requestedBy: facts.requestedBy }),
    ...(facts.tokenId === undefined ? {} : { tokenId: facts.tokenId }),
    operation: facts.operation,
    accessType: accessRequest.accessType,
    bucket: resource.bucket,
    ...(resource.kind === 'object' ? { key: resource.key } : { prefix: resource.prefix }),
    decision: decision.allowed ? 'allow' : 'deny',
    ...(decision.policyId === undefined ? {} : { policyId: decision.policyId }),
    reason: decision.reason,
    ...(facts.expiresAt === undefined ? {} : { expiresAt: facts.expiresAt.toISOString() }),
    clientIp: context.clientIp,
    policyVersion: facts.policyVersion,
  })
    .then(
      () => true,
      () => {
        dependencies.metrics.auditFailures.inc();
        return false;
      },
    );
}

export function describeTarget(resource: ResourceRequest): string {
  if (resource.kind === 'object') return `s3://${resource.bucket}/${resource.key}`;
  return `the keys under s3://${resource.bucket}/${resource.prefix}`;
}
