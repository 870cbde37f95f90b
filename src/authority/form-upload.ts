import type { VerifiedToken } from '../auth/index.js';
import { OpenRazError } from '../errors/index.js';
import type { UploadRequirement } from '../policy/index.js';
import { FORM_UPLOAD_OPERATION, checkKeyText, validateOperationRequest, type PostUploadConstraints, type S3Operation } from '../s3/index.js';
import { checkReservedBucket, decideOperation, type AuthorityDependencies, type CallContext } from './authority.js';

/** A request for a browser form upload: one key, or any key under a prefix. */
export interface FormUploadRequest {
  bucket: string;
  /** The exact key the form writes. */
  key?: string;
  /** The form may write any key that starts with this prefix; the policies must allow writing every such key. */
  prefix?: string;
  /** The media type the form must send; required when the policies allow several. */
  contentType?: string;
  serverSideEncryption?: 'AES256' | 'aws:kms';
  expiresInSeconds?: number;
}

export interface FormUploadResult {
  method: 'POST';
  url: string;
  fields: Record<string, string>;
  expiresAt: Date;
  decisionId: string;
  policyId: string;
}

/**
 * Authorizes a browser form upload and presigns it (S3 POST Object). The granting conditions
 * become POST policy conditions, which the store enforces: `max-object-size` a
 * `content-length-range`, `content-types` the `Content-Type` field, and
 * `server-side-encryption` the encryption field. A form cannot carry `If-None-Match`, so
 * policies that require it do not allow form uploads.
 *
 * @throws OpenRazError `ERR_REQUEST_*` for an invalid request, `ERR_ACCESS_DENIED` when the
 *   policies deny, `ERR_SERVICE_NOT_READY` when no storage credentials are loaded.
 */
export async function authorizeFormUpload(
  dependencies: AuthorityDependencies,
  caller: VerifiedToken,
  request: FormUploadRequest,
  context: CallContext,
): Promise<FormUploadResult> {
  const operation = describeFormUpload(request, dependencies);
  const authorized = await decideOperation(
    dependencies,
    caller,
    operation,
    {
      upload: 'form',
      ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
      ...(request.serverSideEncryption === undefined ? {} : { serverSideEncryption: request.serverSideEncryption }),
      ...(request.expiresInSeconds === undefined ? {} : { expiresInSeconds: request.expiresInSeconds }),
    },
    context,
  );

  const constraints = formConstraints(request, authorized.requirements);
  const form = authorized.signer.presignPost({
    bucket: request.bucket,
    ...(request.key === undefined ? { prefix: request.prefix! } : { key: request.key }),
    constraints,
    expiresInSeconds: authorized.expiresInSeconds,
    signingDate: context.now,
  });
  return { method: 'POST', ...form, decisionId: authorized.decisionId, policyId: authorized.policyId };
}

/** Validates the request and describes it as one `write`: on the key, or on every key under the prefix. */
function describeFormUpload(request: FormUploadRequest, dependencies: Pick<AuthorityDependencies, 'reservedBucketNames'>): S3Operation {
  if ((request.key === undefined) === (request.prefix === undefined)) {
    throw new OpenRazError('ERR_REQUEST_INVALID', 'Give exactly one of "key" (the form writes that key) and "prefix" (it writes any key under it).', {
      field: 'key',
    });
  }
  // The object rules of PutObject apply: bucket name, key text and media type.
  validateOperationRequest({
    operation: 'PutObject',
    bucket: request.bucket,
    key: request.key ?? 'form-upload',
    ...(request.contentType === undefined ? {} : { contentType: request.contentType }),
  });
  if (request.prefix !== undefined) checkKeyText('prefix', request.prefix);
  checkReservedBucket(request.bucket, dependencies.reservedBucketNames);

  const resource = request.key === undefined ? { kind: 'prefix' as const, bucket: request.bucket, prefix: request.prefix! } : { kind: 'object' as const, bucket: request.bucket, key: request.key };
  return {
    name: FORM_UPLOAD_OPERATION,
    method: 'POST',
    bucket: request.bucket,
    query: {},
    headers: {},
    accesses: [{ accessType: 'write', resource, role: 'target' }],
  };
}

/**
 * Turns the declared fields and the granting conditions' requirements into POST policy
 * constraints. Several size limits keep the smallest.
 *
 * @throws OpenRazError `ERR_REQUEST_INVALID` naming `contentType` when the policies allow
 *   several media types and the request names none, because one POST policy condition can
 *   hold only one type or one `type/*` family.
 */
function formConstraints(request: FormUploadRequest, requirements: readonly UploadRequirement[]): PostUploadConstraints {
  const constraints: PostUploadConstraints = {};
  if (request.contentType !== undefined) constraints.contentTypes = [request.contentType];
  if (request.serverSideEncryption !== undefined) constraints.serverSideEncryption = request.serverSideEncryption;

  for (const requirement of requirements) {
    switch (requirement.kind) {
      case 'max-object-size':
        constraints.maxBytes = Math.min(constraints.maxBytes ?? Number.POSITIVE_INFINITY, requirement.bytes);
        break;
      case 'content-types':
        if (requirement.mediaTypes.length !== 1) {
          throw new OpenRazError(
            'ERR_REQUEST_INVALID',
            `The policies allow the media types ${requirement.mediaTypes.join(', ')}, and a form can be bound to one; give "contentType".`,
            { field: 'contentType' },
          );
        }
        constraints.contentTypes = [...requirement.mediaTypes];
        break;
      case 'server-side-encryption':
        if (requirement.algorithm !== 'AES256' && requirement.algorithm !== 'aws:kms') {
          throw new OpenRazError('ERR_REQUEST_INVALID', `The policies require ${requirement.algorithm} encryption, which form uploads cannot request; use PutObject.`, {
            field: 'serverSideEncryption',
          });
        }
        constraints.serverSideEncryption = requirement.algorithm;
        break;
      case 'if-none-match':
        // The condition is unknown for forms, so it never grants one; nothing to add.
        break;
    }
  }
  return constraints;
}
