import type { FastifyRequest } from 'fastify';
import { extractBearerToken, type TokenVerifier, type VerifiedToken } from '../auth/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set before the body is parsed. */
    caller?: VerifiedToken;
    /** The instant of the call, read once: token checks, decision and signature use it. */
    callTime?: Date;
  }
}

/**
 * Returns an `onRequest` hook that verifies the bearer token before the body is read, so an
 * unauthenticated caller costs no parsing and learns nothing from body validation errors.
 */
export function authenticate(verifier: TokenVerifier, now: () => Date): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    request.callTime = now();
    request.caller = await verifier.verify(extractBearerToken(request.headers.authorization), request.callTime);
  };
}
