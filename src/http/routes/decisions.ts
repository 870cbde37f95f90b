import type { FastifyInstance } from 'fastify';
import { authorizeAndSign, explainAccess, type AuthorityDependencies, type AuthorizeRequest, type SignRequest } from '../../authority/index.js';
import type { TokenVerifier } from '../../auth/index.js';
import { authenticate } from '../authenticate.js';
import { AUTHORIZE_REQUEST_SCHEMA, AUTHORIZE_RESPONSE_SCHEMA, ERROR_RESPONSE_SCHEMA, SIGN_REQUEST_SCHEMA, SIGN_RESPONSE_SCHEMA } from '../schemas.js';

export interface DecisionRouteOptions {
  authority: AuthorityDependencies;
  verifier: TokenVerifier;
  now: () => Date;
  /** Token scope that allows `/v1/authorize` for another principal. */
  adminScope: string;
}

const ERROR_RESPONSES = { '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA } as const;

/**
 * Registers the decision routes: `POST /v1/sign` (decide, audit, and sign when allowed) and
 * `POST /v1/authorize` (decide and explain without signing).
 */
export async function decisionRoutes(app: FastifyInstance, options: DecisionRouteOptions): Promise<void> {
  app.decorateRequest('caller', undefined);
  app.decorateRequest('callTime', undefined);
  const onRequest = authenticate(options.verifier, options.now);

  app.post<{ Body: SignRequest }>(
    '/v1/sign',
    { schema: { body: SIGN_REQUEST_SCHEMA, response: { 200: SIGN_RESPONSE_SCHEMA, ...ERROR_RESPONSES } }, onRequest },
    async (request) => {
      const result = await authorizeAndSign(options.authority, request.caller!, request.body, {
        requestId: request.id,
        clientIp: request.ip,
        now: request.callTime!,
      });
      return { ...result, expiresAt: result.expiresAt.toISOString() };
    },
  );

  app.post<{ Body: AuthorizeRequest }>(
    '/v1/authorize',
    { schema: { body: AUTHORIZE_REQUEST_SCHEMA, response: { 200: AUTHORIZE_RESPONSE_SCHEMA, ...ERROR_RESPONSES } }, onRequest },
    async (request) =>
      explainAccess(options.authority, request.caller!, request.body, { requestId: request.id, clientIp: request.ip, now: request.callTime! }, options.adminScope),
  );
}
