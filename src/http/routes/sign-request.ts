import type { FastifyInstance } from 'fastify';
import { authorizeAndSignRequest, type AuthorityDependencies } from '../../authority/index.js';
import type { TokenVerifier } from '../../auth/index.js';
import type { S3RequestDescription } from '../../s3/index.js';
import { authenticate } from '../authenticate.js';
import { ERROR_RESPONSE_SCHEMA, SIGN_RESPONSE_SCHEMA } from '../schemas.js';
import { checkSignRequest } from '../sign-request-check.js';
import { SIGN_S3_REQUEST_SCHEMA } from '../signing-schemas.js';

export interface SignRequestRouteOptions {
  authority: AuthorityDependencies;
  verifier: TokenVerifier;
  now: () => Date;
}

const ERROR_RESPONSES = { '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA } as const;

/**
 * Registers `POST /v1/sign/request`: the caller describes the S3 request it will send
 * (method, URL, headers) and gets it signed with header authentication, after the same
 * decision and audit as `POST /v1/sign`.
 */
export async function signRequestRoutes(app: FastifyInstance, options: SignRequestRouteOptions): Promise<void> {
  app.decorateRequest('caller', undefined);
  app.decorateRequest('callTime', undefined);
  const onRequest = authenticate(options.verifier, options.now);

  app.post<{ Body: S3RequestDescription }>(
    '/v1/sign/request',
    { schema: { body: SIGN_S3_REQUEST_SCHEMA, response: { 200: SIGN_RESPONSE_SCHEMA, ...ERROR_RESPONSES } }, onRequest },
    async (request) => {
      const context = { requestId: request.id, clientIp: request.ip, now: request.callTime! };
      const result = await authorizeAndSignRequest(options.authority, request.caller!, request.body, context, checkSignRequest);
      return { ...result, expiresAt: result.expiresAt.toISOString() };
    },
  );
}
