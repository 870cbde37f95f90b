import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog, RevocationAuditRecord } from '../../audit/index.js';
import type { TokenVerifier } from '../../auth/index.js';
import { OpenRazError } from '../../errors/index.js';
import type { Block, BlockInput, RevocationStore } from '../../revocation/index.js';
import { authenticate } from '../authenticate.js';
import { ERROR_RESPONSE_SCHEMA, REVOCATION_LIST_SCHEMA, REVOCATION_REQUEST_SCHEMA, REVOCATION_SCHEMA } from '../schemas.js';

export interface AdminRouteOptions {
  revocations: RevocationStore;
  verifier: TokenVerifier;
  audit: AuditLog;
  now: () => Date;
  /** Token scope that every admin route needs. */
  adminScope: string;
}

const ERROR_RESPONSES = { '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA } as const;

const REVOCATION_ID_PARAMS_SCHEMA = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

/**
 * Registers the revocation routes: `GET`, `POST /v1/admin/revocations` and
 * `DELETE /v1/admin/revocations/:id`. Each needs a token with the admin scope whose user,
 * groups and token id are not blocked. Every change is written to the audit stream.
 */
export async function adminRoutes(app: FastifyInstance, options: AdminRouteOptions): Promise<void> {
  app.decorateRequest('caller', undefined);
  app.decorateRequest('callTime', undefined);
  const onRequest = [authenticate(options.verifier, options.now), requireUnblockedAdmin(options.adminScope, options.revocations)];

  app.get('/v1/admin/revocations', { schema: { response: { 200: REVOCATION_LIST_SCHEMA, ...ERROR_RESPONSES } }, onRequest }, async () => ({
    revocations: options.revocations.list(),
  }));

  app.post<{ Body: BlockInput }>(
    '/v1/admin/revocations',
    { schema: { body: REVOCATION_REQUEST_SCHEMA, response: { 201: REVOCATION_SCHEMA, ...ERROR_RESPONSES } }, onRequest },
    async (request, reply) => {
      const block = await options.revocations.add(request.body, request.caller!.user);
      await recordRevocationChange(options.audit, request, 'revocation-add', block);
      return reply.code(201).send(block);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/v1/admin/revocations/:id',
    { schema: { params: REVOCATION_ID_PARAMS_SCHEMA, response: { 200: REVOCATION_SCHEMA, ...ERROR_RESPONSES } }, onRequest },
    async (request) => {
      const block = await options.revocations.remove(request.params.id);
      await recordRevocationChange(options.audit, request, 'revocation-remove', block);
      return block;
    },
  );
}

/**
 * Returns an `onRequest` hook, run after `authenticate`, that rejects callers without the
 * admin scope and callers that a block names. The second check keeps a stolen admin token,
 * once revoked, from removing its own block.
 */
export function requireUnblockedAdmin(adminScope: string, revocations: RevocationStore): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const caller = request.caller!;
    if (!caller.scopes.includes(adminScope)) {
      throw new OpenRazError('ERR_AUTH_ADMIN_SCOPE_REQUIRED', `The admin routes need the scope "${adminScope}" in the token's "scope" or "scp" claim.`);
    }
    const block = revocations.findSubjectBlock(caller);
    if (block !== undefined) {
      request.log.info({ user: caller.user, block }, 'admin request from a blocked caller rejected');
      throw new OpenRazError('ERR_ACCESS_DENIED', 'Access denied: an admin has blocked this token, its user or one of its groups.');
    }
  };
}

/**
 * Writes the audit line of an admin change, and logs it. The change has already been made,
 * so a failed audit write is logged at error level and does not undo it.
 */
async function recordRevocationChange(audit: AuditLog, request: FastifyRequest, kind: RevocationAuditRecord['kind'], block: Block): Promise<void> {
  const caller = request.caller!;
  const { id, kind: blockKind, reason, expiresAt } = block;
  const target = block.kind === 'prefix' ? { bucket: block.bucket, prefix: block.prefix } : { value: block.value };
  const record: RevocationAuditRecord = {
    kind,
    requestId: request.id,
    user: caller.user,
    groups: caller.groups,
    ...(caller.tokenId === undefined ? {} : { tokenId: caller.tokenId }),
    clientIp: request.ip,
    revocation: { id, kind: blockKind, ...target, ...(reason === undefined ? {} : { reason }), ...(expiresAt === undefined ? {} : { expiresAt }) },
  };
  request.log.info({ admin: caller.user, revocationId: id, revocationKind: blockKind }, kind === 'revocation-add' ? 'revocation added' : 'revocation removed');
  try {
    await audit.write(record);
  } catch (error) {
    request.log.error({ err: error, revocationId: id }, 'failed to write the audit line of a revocation change; the change was kept');
  }
}
