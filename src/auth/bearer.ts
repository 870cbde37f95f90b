import { OpenRazError } from '../errors/index.js';

/**
 * Extracts the token from an `Authorization: Bearer <token>` header value.
 *
 * @throws OpenRazError `ERR_AUTH_TOKEN_MISSING` when there is no bearer token.
 */
export function extractBearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new OpenRazError('ERR_AUTH_TOKEN_MISSING', 'Send the token as "Authorization: Bearer <JWT>".');
  }
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (match === null) {
    throw new OpenRazError('ERR_AUTH_TOKEN_MISSING', 'The Authorization header must use the Bearer scheme: "Authorization: Bearer <JWT>".');
  }
  return match[1]!;
}
