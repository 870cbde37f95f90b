import { randomUUID } from 'node:crypto';
import type { AuditLog, AuditRecord } from '../audit/index.js';
import type { VerifiedToken } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { OpenRazError } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { AccessRequest, AccessType, Decision, PolicySet, Principal, RequestContext, ResourceRequest, UploadChannel, UploadRequirement } from '../policy/index.js';
import type { RevocationCheck } from '../revocation/index.js';
import {
  OPERATION_SPECS,
  checkDotSegments,
  checkKeyText,
  describeOperation,
  parseDeleteObjectsBody,
  validateOperationRequest,
  type OperationAccess,
  type OperationRequest,
  type PresignedRequest,
  type S3Operation,
  type StorageTarget,
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

/** Facts about the HTTP call, for conditions and the audit line. */
export interface CallContext {
  requestId: string;
  clientIp: string;
  /** The instant of the call, read once: the decision and the signature both use it. */
  now: Date;
}

/** The authority's collaborators. Policies and signers are getters, because a reload can swap them. */
export interface AuthorityDependencies {
  policies(): PolicySet;
  /**
   * Returns the signer of the storage target that serves `bucket` (for ListBuckets, which
   * names no bucket, the first target), or undefined when it has no credentials.
   *
   * @throws OpenRazError `ERR_REQUEST_BUCKET_UNROUTED` when no target serves the bucket.
   */
  signer(bucket: string | undefined): UrlSigner | undefined;
  /** The configured storage targets in configuration order, with or without credentials. */
  storageTargets?(): readonly StorageTarget[];
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

/** An operation the policies allowed, ready to sign. */
export interface AuthorizedOperation {
  operation: S3Operation;
  signer: UrlSigner;
  /** The URL lifetime: the requested or default one, cut to what the credentials have left. */
  expiresInSeconds: number;
  expiresAt: Date;
  decisionId: string;
  /** The policy that allowed the operation's own access (the first one). */
  policyId: string;
}

/**
 * Authorizes one S3 operation for a verified caller and, when the policies allow it, signs
 * it as a presigned URL. Every decision is audited and counted; a denied request never
 * reaches the signer.
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
  const authorized = await authorizeOperation(dependencies, caller, request, context);
  const { operation, signer, expiresInSeconds, decisionId, policyId } = authorized;

  const stopTimer = dependencies.metrics.signingDuration.startTimer({ operation: operation.name });
  const presigned = await signer.presign(operation, { expiresInSeconds, signingDate: context.now });
  stopTimer();
  return { ...presigned, decisionId, policyId };
}

/**
 * Validates, decides and audits one operation; the callers sign it in the form they deliver.
 * Upload requirements from the granting conditions are added to the operation's headers.
 */
export async function authorizeOperation(
  dependencies: AuthorityDependencies,
  caller: VerifiedToken,
  request: SignRequest,
  context: CallContext,
): Promise<AuthorizedOperation> {
  const operation = prepareOperation(request, dependencies);
  const upload = OPERATION_SPECS[request.operation].upload;
  const authorized = await decideOperation(dependencies, caller, operation, { ...request, ...(upload === undefined ? {} : { upload }) }, context);
  addUploadRequirements(operation, authorized.requirements);
  return authorized;
}

/** The request attributes that conditions read, as the sign request gives them. */
export type UploadAttributes = Pick<RequestContext, 'contentType' | 'contentLength' | 'serverSideEncryption' | 'ifNoneMatch' | 'upload'> & {
  /** The lifetime the caller asks for; the configured default when absent. */
  expiresInSeconds?: number;
};

/**
 * Decides and audits every access an operation needs, such as a copy's read of its source or
 * each key of a DeleteObjects. Each access gets its own audit line under one decision id, and
 * one denial denies the whole operation. Returns the signer for the bucket and the URL
 * lifetime, cut to what the credentials have left.
 *
 * @throws OpenRazError `ERR_ACCESS_DENIED`, `ERR_SERVICE_NOT_READY`, `ERR_AUDIT_UNAVAILABLE`
 *   or `ERR_REQUEST_EXPIRY_OUT_OF_RANGE`.
 */
export async function decideOperation(
  dependencies: AuthorityDependencies,
  caller: VerifiedToken,
  operation: S3Operation,
  attributes: UploadAttributes,
  context: CallContext,
): Promise<AuthorizedOperation & { requirements: UploadRequirement[] }> {
  const requestedExpiry = resolveExpiry(attributes.expiresInSeconds, dependencies.signing);
  const signer = dependencies.signer(operation.bucket);
  if (signer === undefined || signer.remainingLifetimeSeconds(context.now) < 1) {
    throw new OpenRazError('ERR_SERVICE_NOT_READY', 'No valid storage credentials are loaded (none, or expired), so nothing can be signed; see /readyz.');
  }
  checkCopyWithinTarget(dependencies, operation, signer);
  // A URL never outlives its credentials: the lifetime is cut to what they have left, and
  // the response and the audit line carry the real expiry.
  const expiresInSeconds = Math.min(requestedExpiry, signer.remainingLifetimeSeconds(context.now));
  const auditBlocking = dependencies.auditBlocking ?? true;
  if (auditBlocking && !dependencies.audit.healthy()) throw auditUnavailable();

  const policies = dependencies.policies();
  const decisionId = randomUUID();
  const expiresAt = new Date((Math.floor(context.now.getTime() / 1000) + expiresInSeconds) * 1000);
  const targetAttributes = { ...attributes, expiresInSeconds };

  const decided = operation.accesses.map((access, index) => {
    // Upload attributes describe the target; the other accesses (a copy's source, for one) read.
    const accessRequest = toAccessRequest(caller, access.accessType, access.resource, context, index === 0 ? targetAttributes : { expiresInSeconds });
    return { access, accessRequest, decision: decideWithRevocations(dependencies, caller, accessRequest, policies) };
  });
  const allowed = decided.length > 0 && decided.every(({ decision }) => decision.allowed && decision.policyId !== undefined);

  const audited = decided.map(({ access, accessRequest, decision }) =>
    recordDecision(dependencies, {
      kind: 'sign',
      ...(access.versionId === undefined ? {} : { versionId: access.versionId }),
      ...(access.uploadId === undefined ? {} : { uploadId: access.uploadId }),
      principal: caller,
      tokenId: caller.tokenId,
      operation: operation.name,
      accessRequest,
      decision,
      decisionId,
      context,
      policyVersion: policies.info.version,
      ...(allowed ? { expiresAt } : {}),
    }),
  );
  if (auditBlocking && !(await Promise.all(audited)).every(Boolean)) throw auditUnavailable();
  if (!allowed) throw accessDenied(caller, operation, decided, decisionId);

  const { decision } = decided[0]!;
  return { operation, signer, expiresInSeconds, expiresAt, decisionId, policyId: decision.policyId!, requirements: decision.requirements ?? [] };
}

/**
 * Validates a request and describes the S3 operation, parsing a DeleteObjects body into the
 * keys to authorize.
 *
 * @throws OpenRazError `ERR_REQUEST_*` naming the field at fault.
 */
export function prepareOperation(request: OperationRequest, dependencies: Pick<AuthorityDependencies, 'allowDotSegments' | 'reservedBucketNames'>): S3Operation {
  validateOperationRequest(request);
  checkDotSegments(request.key, dependencies.allowDotSegments ?? false);
  if (request.bucket !== undefined) checkReservedBucket(request.bucket, dependencies.reservedBucketNames);
  if (request.copySource !== undefined) checkReservedBucket(request.copySource.bucket, dependencies.reservedBucketNames, 'copySource.bucket');

  if (request.operation !== 'DeleteObjects') return describeOperation(request);
  const deleted = parseDeleteObjectsBody(request.body!);
  for (const { key } of deleted) checkKeyText('body', key);
  return describeOperation(request, deleted);
}

/**
 * Rejects a copy whose source bucket another storage target serves: the store copies only
 * within itself, and with its own credentials.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` naming `copySource.bucket`.
 */
function checkCopyWithinTarget(dependencies: Pick<AuthorityDependencies, 'signer'>, operation: S3Operation, signer: UrlSigner): void {
  for (const { role, resource } of operation.accesses) {
    if (role !== 'copy-source' || signerOfCopySource(dependencies, resource.bucket)?.target === signer.target) continue;
    throw new OpenRazError(
      'ERR_REQUEST_INVALID',
      `Bucket "${resource.bucket}" of "copySource" is served by another storage target than bucket "${operation.bucket}"; a store copies only within itself.`,
      { field: 'copySource.bucket' },
    );
  }
}

/** Returns the signer of the copy source's bucket; an unrouted source names `copySource.bucket`. */
function signerOfCopySource(dependencies: Pick<AuthorityDependencies, 'signer'>, bucket: string): UrlSigner | undefined {
  try {
    return dependencies.signer(bucket);
  } catch (error) {
    if (!(error instanceof OpenRazError) || error.code !== 'ERR_REQUEST_BUCKET_UNROUTED') throw error;
    throw new OpenRazError(error.code, `No storage target serves bucket "${bucket}" of "copySource".`, { field: 'copySource.bucket' });
  }
}

/** Signs the granting conditions' requirements into an upload sent with headers. */
function addUploadRequirements(operation: S3Operation, requirements: readonly UploadRequirement[]): void {
  for (const requirement of requirements) {
    if (requirement.kind === 'server-side-encryption') operation.headers['x-amz-server-side-encryption'] = requirement.algorithm;
    if (requirement.kind === 'if-none-match') operation.headers['if-none-match'] = '*';
  }
}

/**
 * Builds the denial. It names what was denied (the copy source, the keys of a DeleteObjects)
 * but never which policy decided, because policies are not the caller's to read.
 */
function accessDenied(
  caller: VerifiedToken,
  operation: S3Operation,
  decided: readonly { access: OperationAccess; decision: Decision }[],
  decisionId: string,
): OpenRazError {
  const denied = decided.filter(({ decision }) => !decision.allowed);
  if (operation.name === 'DeleteObjects') {
    const deniedKeys = denied.map(({ access }) => (access.resource.kind === 'object' ? access.resource.key : access.resource.prefix));
    return new OpenRazError(
      'ERR_ACCESS_DENIED',
      `Access denied: user "${caller.user}" may not delete ${deniedKeys.length} of the ${decided.length} keys in the request (listed in "deniedKeys"), so none is deleted; send a request without them.`,
      { decisionId, deniedKeys },
    );
  }
  const { access } = denied[0]!;
  const what = access.role === 'copy-source' ? `${access.accessType} the copy source ${describeTarget(access.resource)}` : `${access.accessType} ${describeTarget(access.resource)}`;
  return new OpenRazError('ERR_ACCESS_DENIED', `Access denied: user "${caller.user}" may not ${what}.`, {
    decisionId,
    ...(access.role === 'copy-source' ? { field: 'copySource' } : {}),
  });
}

/**
 * Rejects a bucket name that the store routes to its own API instead of a bucket: on Ceph
 * RGW a URL for bucket `admin` reaches the admin API, signed with openraz's credentials.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` naming the field `bucket`.
 */
export function checkReservedBucket(bucket: string, reserved: ReadonlySet<string> | undefined, field = 'bucket'): void {
  if (reserved?.has(bucket)) {
    throw new OpenRazError('ERR_REQUEST_INVALID', `Bucket name "${bucket}" is reserved: the storage server routes it to its own API (s3.reservedBucketNames).`, { field });
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
  attributes: Pick<RequestContext, 'expiresInSeconds' | 'contentType' | 'contentLength' | 'serverSideEncryption' | 'ifNoneMatch' | 'upload'>,
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
      ...(attributes.serverSideEncryption === undefined ? {} : { serverSideEncryption: attributes.serverSideEncryption }),
      ...(attributes.ifNoneMatch === undefined ? {} : { ifNoneMatch: attributes.ifNoneMatch }),
      ...(attributes.upload === undefined ? {} : { upload: attributes.upload }),
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
  /** The object version the access reads, deletes or tags. */
  versionId?: string;
  /** The multipart upload the access works on. */
  uploadId?: string;
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
    ...(facts.versionId === undefined ? {} : { versionId: facts.versionId }),
    ...(facts.uploadId === undefined ? {} : { uploadId: facts.uploadId }),
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
