import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/index.js';
import type { VerifiedToken } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { OpenRazError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Decision, PolicySet } from '../policy/index.js';
import {
  describeOperation,
  validateOperationRequest,
  type OperationRequest,
  type PresignedRequest,
  type S3Operation,
  type UrlSigner,
} from '../s3/index.js';

/** A sign request as the API receives it: one operation plus the URL lifetime. */
export interface SignRequest extends OperationRequest {
  expiresInSeconds?: number;
}

export interface SignResult extends PresignedRequest {
  decisionId: string;
  policyId: string;
}

/** Facts about the HTTP call, for the audit line. */
export interface CallContext {
  requestId: string;
  clientIp: string;
  /** The instant of the call, read once: the decision and the signature both use it. */
  now: Date;
}

/** What the authority works with. Getters, because a reload can swap policies and signer. */
export interface AuthorityDependencies {
  policies(): PolicySet;
  signer(): UrlSigner | undefined;
  audit: AuditLog;
  metrics: Metrics;
  signing: Config['signing'];
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
  const expiresInSeconds = resolveExpiry(request.expiresInSeconds, dependencies.signing);

  const signer = dependencies.signer();
  if (signer === undefined) {
    throw new OpenRazError('ERR_SERVICE_NOT_READY', 'No storage credentials are loaded, so nothing can be signed; see /readyz.');
  }

  const operation = describeOperation(request);
  const policies = dependencies.policies();
  const decision = policies.evaluate({
    principal: caller,
    accessType: operation.accessType,
    resource: operation.resource,
    context: { clientIp: context.clientIp },
  });
  const decisionId = randomUUID();
  const expiresAt = new Date((Math.floor(context.now.getTime() / 1000) + expiresInSeconds) * 1000);

  recordDecision(dependencies, { caller, operation, decision, decisionId, context, policyVersion: policies.info.version, expiresAt });
  if (!decision.allowed || decision.policyId === undefined) {
    throw new OpenRazError(
      'ERR_ACCESS_DENIED',
      `Access denied: user "${caller.user}" may not ${operation.accessType} ${describeTarget(operation)}.`,
      { decisionId },
    );
  }

  const stopTimer = dependencies.metrics.signingDuration.startTimer({ operation: operation.name });
  const presigned = await signer.presign(operation, { expiresInSeconds, signingDate: context.now });
  stopTimer();
  return { ...presigned, decisionId, policyId: decision.policyId };
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

function recordDecision(
  dependencies: AuthorityDependencies,
  facts: {
    caller: VerifiedToken;
    operation: S3Operation;
    decision: Decision;
    decisionId: string;
    context: CallContext;
    policyVersion: string;
    expiresAt: Date;
  },
): void {
  const { caller, operation, decision, decisionId, context } = facts;
  const { resource } = operation;
  dependencies.metrics.decisions.inc({
    decision: decision.allowed ? 'allow' : 'deny',
    operation: operation.name,
    access_type: operation.accessType,
  });
  dependencies.audit.write({
    decisionId,
    requestId: context.requestId,
    user: caller.user,
    groups: caller.groups,
    ...(caller.tokenId === undefined ? {} : { tokenId: caller.tokenId }),
    operation: operation.name,
    accessType: operation.accessType,
    bucket: resource.bucket,
    ...(resource.kind === 'object' ? { key: resource.key } : { prefix: resource.prefix }),
    decision: decision.allowed ? 'allow' : 'deny',
    ...(decision.policyId === undefined ? {} : { policyId: decision.policyId }),
    reason: decision.reason,
    ...(decision.allowed ? { expiresAt: facts.expiresAt.toISOString() } : {}),
    clientIp: context.clientIp,
    policyVersion: facts.policyVersion,
  });
}

function describeTarget(operation: S3Operation): string {
  const { resource } = operation;
  if (resource.kind === 'object') return `s3://${resource.bucket}/${resource.key}`;
  return `the keys under s3://${resource.bucket}/${resource.prefix}`;
}
