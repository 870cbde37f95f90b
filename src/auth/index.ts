export { createTokenVerifier, translateJoseError, MAX_TOKEN_LENGTH, MIN_SECRET_BYTES, type TokenVerifier, type VerifiedToken } from './verifier.js';
export { extractBearerToken } from './bearer.js';
