import type { FastifyInstance } from 'fastify';
import type { AuthorityDependencies } from '../../authority/index.js';
import type { TokenVerifier } from '../../auth/index.js';
import { OpenRazError } from '../../errors/index.js';
import { authenticate } from '../authenticate.js';
import { ERROR_RESPONSE_SCHEMA } from '../schemas.js';
import { signBatch } from '../sign-batch.js';
import { SIGN_BATCH_REQUEST_SCHEMA, SIGN_BATCH_RESPONSE_SCHEMA } from '../signing-schemas.js';

export interface SignBatchRouteOptions {
  authority: AuthorityDependencies;
  verifier: TokenVerifier;
  now: () => Date;
}

const ERROR_RESPONSES = { '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA } as const;

/**
 * Registers `POST /v1/sign/batch`: up to `signing.maxBatchSize` sign requests in one call,
 * each decided, audited and signed on its own (signBatch). With rate limits on, every item
 * counts as one request: the request itself covers the first item, and each other item
 * takes one more unit, so items past the limit fail with `ERR_RATE_LIMITED`.
 */
export async function signBatchRoutes(app: FastifyInstance, options: SignBatchRouteOptions): Promise<void> {
  app.decorateRequest('caller', undefined);
  app.decorateRequest('callTime', undefined);
  const onRequest = authenticate(options.verifier, options.now);
  const { maxBatchSize } = options.authority.signing;

  app.post<{ Body: { requests: unknown[] } }>(
    '/v1/sign/batch',
    { schema: { body: SIGN_BATCH_REQUEST_SCHEMA, response: { 200: SIGN_BATCH_RESPONSE_SCHEMA, ...ERROR_RESPONSES } }, onRequest },
    async (request) => {
      const { requests } = request.body;
      if (requests.length > maxBatchSize) {
        throw new OpenRazError(
          'ERR_REQUEST_INVALID',
          `Field "requests" has ${requests.length} items; this server signs at most ${maxBatchSize} in one batch (signing.maxBatchSize).`,
          {
            field: 'requests',
          },
        );
      }
      const context = { requestId: request.id, clientIp: request.ip, now: request.callTime! };
      const consume = app.consumeRateLimitUnit;
      const admitItem = consume === undefined ? undefined : async (index: number) => index === 0 || consume(request);
      return { results: await signBatch(options.authority, request.caller!, requests, context, request.log, admitItem) };
    },
  );
}
