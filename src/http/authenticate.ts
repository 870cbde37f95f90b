import type { FastifyRequest } from 'fastify';
import { extractBearerToken, type TokenVerifier, type VerifiedToken } from '../auth/index.js';
import { OpenRazError } from '../errors/index.js';

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
    // Node keeps the first of several Authorization headers; a proxy in front may use the
    // last. Two tokens make the caller ambiguous, so the request is rejected.
    const { rawHeaders } = request.raw;
    let count = 0;
    for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === 'authorization') count++;
    if (count > 1) {
      throw new OpenRazError('ERR_AUTH_TOKEN_MALFORMED', 'Send exactly one Authorization header; this request has several.');
    }
    request.caller = await verifier.verify(extractBearerToken(request.headers.authorization), request.callTime);
  };
}
