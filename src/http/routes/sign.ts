import type { FastifyInstance } from 'fastify';
import { authorizeAndSign, type AuthorityDependencies, type SignRequest } from '../../authority/index.js';
import { extractBearerToken, type TokenVerifier, type VerifiedToken } from '../../auth/index.js';
import { ERROR_RESPONSE_SCHEMA, SIGN_REQUEST_SCHEMA, SIGN_RESPONSE_SCHEMA } from '../schemas.js';

export interface SignRouteOptions {
  authority: AuthorityDependencies;
  verifier: TokenVerifier;
  now: () => Date;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set before the body is parsed. */
    caller?: VerifiedToken;
    /** The instant of the call, read once: token checks, decision and signature use it. */
    callTime?: Date;
  }
}

/** Registers `POST /v1/sign`: verify the token, decide, audit, and sign when allowed. */
export async function signRoutes(app: FastifyInstance, options: SignRouteOptions): Promise<void> {
  app.decorateRequest('caller', undefined);
  app.decorateRequest('callTime', undefined);

  app.post<{ Body: SignRequest }>(
    '/v1/sign',
    {
      schema: {
        body: SIGN_REQUEST_SCHEMA,
        response: { 200: SIGN_RESPONSE_SCHEMA, '4xx': ERROR_RESPONSE_SCHEMA, '5xx': ERROR_RESPONSE_SCHEMA },
      },
      // The token is checked before the body is read, so an unauthenticated caller costs no
      // parsing and learns nothing from body validation errors.
      onRequest: async (request) => {
        request.callTime = options.now();
        request.caller = await options.verifier.verify(extractBearerToken(request.headers.authorization), request.callTime);
      },
    },
    async (request) => {
      const result = await authorizeAndSign(options.authority, request.caller!, request.body, {
        requestId: request.id,
        clientIp: request.ip,
        now: request.callTime!,
      });
      return { ...result, expiresAt: result.expiresAt.toISOString() };
    },
  );
}
