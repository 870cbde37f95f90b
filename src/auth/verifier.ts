import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors as joseErrors,
  jwtVerify,
  type FetchImplementation,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import type { Config } from '../config/index.js';
import { OpenRazError } from '../errors/index.js';
import type { Principal } from '../policy/index.js';

/** Maximum bearer token length, in characters; longer ones are rejected before parsing. */
export const MAX_TOKEN_LENGTH = 8192;

/** Shortest HMAC secret accepted, in bytes (RFC 7518 section 3.2: at least the hash size). */
export const MIN_SECRET_BYTES = 32;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** The verified caller: user and groups for the policies, plus token facts for the audit. */
export interface VerifiedToken extends Principal {
  /** The token's `jti`, when it has one. */
  tokenId?: string;
  /** OAuth scopes from `scope` (space-separated) or `scp` (a list or a string). */
  scopes: readonly string[];
  expiresAt: Date;
}

export interface TokenVerifier {
  /**
   * Verifies a compact JWT and returns its principal.
   *
   * @param currentDate the instant to check `exp`, `nbf` and `iat` against; tests pin it.
   * @throws OpenRazError with an `ERR_AUTH_*` code; the message never contains the token.
   */
  verify(token: string, currentDate?: Date): Promise<VerifiedToken>;
}

type KeyResolver = JWTVerifyGetKey | KeyObject | Uint8Array;

/**
 * Builds the token verifier. Keys are read and imported here, once, so a request does no
 * file I/O; a remote JWKS is fetched on first use and cached by jose with a cooldown.
 *
 * @throws Error when a key file cannot be read or parsed.
 */
export async function createTokenVerifier(jwt: Config['jwt']): Promise<TokenVerifier> {
  const key = await resolveKeys(jwt);
  const options: JWTVerifyOptions = {
    issuer: jwt.issuer,
    audience: jwt.audience,
    algorithms: jwt.algorithms,
    clockTolerance: jwt.clockToleranceSeconds,
    requiredClaims: ['exp', 'iss', 'aud'],
    ...(jwt.maxTokenAgeSeconds === undefined ? {} : { maxTokenAge: jwt.maxTokenAgeSeconds }),
  };

  return {
    async verify(token, currentDate = new Date()) {
      if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) {
        throw new OpenRazError('ERR_AUTH_TOKEN_MALFORMED', `The bearer token is not a compact JWT (three base64url parts, at most ${MAX_TOKEN_LENGTH} characters).`);
      }
      let payload: JWTPayload;
      try {
        const verifyOptions = { ...options, currentDate };
        const result =
          typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions);
        payload = result.payload;
      } catch (error) {
        throw translateJoseError(error);
      }
      return toVerifiedToken(payload, jwt);
    },
  };
}

async function resolveKeys(jwt: Config['jwt']): Promise<KeyResolver> {
  if (jwt.jwksUrl !== undefined) {
    return createRemoteJWKSet(new URL(jwt.jwksUrl), {
      timeoutDuration: jwt.jwksTimeoutMs,
      cooldownDuration: jwt.jwksCooldownMs,
      cacheMaxAge: jwt.jwksCacheMaxAgeMs,
      [customFetch]: createJwksFetch(jwt.jwksCooldownMs),
    });
  }
  if (jwt.jwksFile !== undefined) {
    const file = jwt.jwksFile;
    const jwks = await withSetting('jwt.jwksFile', file, async () => JSON.parse(await readFile(file, 'utf8')) as { keys?: JWK[] });
    checkJwksCoversAlgorithms(jwks, jwt.algorithms, file);
    return createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  }
  if (jwt.publicKeyFile !== undefined) {
    const file = jwt.publicKeyFile;
    const pem = await withSetting('jwt.publicKeyFile', file, () => readFile(file, 'utf8'));
    if (pem.includes('PRIVATE KEY')) {
      throw new Error(`jwt.publicKeyFile (${file}) contains a private key; give openraz the public key only`);
    }
    const key = await withSetting('jwt.publicKeyFile', file, async () => createPublicKey(pem));
    const unusable = jwt.algorithms.filter((algorithm) => !keyFitsAlgorithm(key, algorithm));
    if (unusable.length > 0) {
      throw new Error(`jwt.publicKeyFile (${file}) is a ${describeKey(key)} key, which cannot verify ${unusable.join(', ')}; fix jwt.algorithms or the key`);
    }
    return key;
  }
  if (jwt.secretFile !== undefined) {
    const file = jwt.secretFile;
    const secret = new TextEncoder().encode((await withSetting('jwt.secretFile', file, () => readFile(file, 'utf8'))).trim());
    if (secret.byteLength < MIN_SECRET_BYTES) {
      throw new Error(`jwt.secretFile (${file}): the HMAC secret has ${secret.byteLength} bytes; use at least ${MIN_SECRET_BYTES}`);
    }
    return secret;
  }
  throw new Error('no token key source is configured');
}

/**
 * Returns the fetch function jose uses for a remote JWKS. After a failed fetch it rejects at
 * once, with `ERR_AUTH_JWKS_UNAVAILABLE`, until `cooldownMs` has passed. jose (6.2) starts its
 * cooldown only after a successful fetch, so without this every token with an unknown kid
 * (and every token, once the cache is older than its max age) would fetch again while the
 * endpoint fails or stalls.
 */
function createJwksFetch(cooldownMs: number): FetchImplementation {
  let failedAt = Number.NEGATIVE_INFINITY;
  let lastFailure: unknown;
  return async (url, options) => {
    if (Date.now() < failedAt + cooldownMs) {
      const message = 'The last fetch of the token keys (JWKS) failed, and the next one waits for jwt.jwksCooldownMs. Try again later.';
      throw new OpenRazError('ERR_AUTH_JWKS_UNAVAILABLE', message, {}, { cause: lastFailure });
    }
    try {
      const response = await fetch(url, options);
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`the JWKS endpoint returned HTTP ${response.status}, not 200`);
      }
      // The body is read here, not by jose, so that invalid JSON also counts as a failure.
      const jwks: unknown = await response.json();
      if (!isJwkSet(jwks)) throw new Error('the JWKS endpoint returned JSON without a "keys" array of objects');
      return Response.json(jwks);
    } catch (error) {
      failedAt = Date.now();
      lastFailure = error;
      throw error;
    }
  };
}

function isJwkSet(value: unknown): boolean {
  const keys = (value as { keys?: unknown } | null)?.keys;
  return Array.isArray(keys) && keys.every((key) => typeof key === 'object' && key !== null && !Array.isArray(key));
}

/** Runs a key-loading step and names the setting in its error. */
async function withSetting<T>(setting: string, file: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new Error(`${setting} (${file}): ${(error as Error).message}`, { cause: error });
  }
}

/** Curves of the ECDSA algorithms (RFC 7518 section 3.4), as Node and JWK name them. */
const EC_CURVES: Record<string, { node: string; jwk: string }> = {
  ES256: { node: 'prime256v1', jwk: 'P-256' },
  ES384: { node: 'secp384r1', jwk: 'P-384' },
  ES512: { node: 'secp521r1', jwk: 'P-521' },
};

function keyFitsAlgorithm(key: KeyObject, algorithm: string): boolean {
  const type = key.asymmetricKeyType;
  if (algorithm.startsWith('RS')) return type === 'rsa';
  if (algorithm.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  const curve = EC_CURVES[algorithm];
  if (curve !== undefined) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === curve.node;
  if (algorithm === 'Ed25519') return type === 'ed25519';
  if (algorithm === 'EdDSA') return type === 'ed25519' || type === 'ed448';
  return false;
}

function jwkFitsAlgorithm(jwk: JWK, algorithm: string): boolean {
  if (jwk.alg !== undefined) return jwk.alg === algorithm;
  if (algorithm.startsWith('RS') || algorithm.startsWith('PS')) return jwk.kty === 'RSA';
  const curve = EC_CURVES[algorithm];
  if (curve !== undefined) return jwk.kty === 'EC' && jwk.crv === curve.jwk;
  return jwk.kty === 'OKP';
}

/** Rejects a JWKS file in which some configured algorithm has no key that could verify it. */
function checkJwksCoversAlgorithms(jwks: { keys?: JWK[] }, algorithms: readonly string[], file: string): void {
  const keys = Array.isArray(jwks.keys) ? jwks.keys : [];
  if (keys.length === 0) throw new Error(`jwt.jwksFile (${file}) has no keys`);
  const uncovered = algorithms.filter((algorithm) => !keys.some((jwk) => jwkFitsAlgorithm(jwk, algorithm)));
  if (uncovered.length > 0) {
    throw new Error(`jwt.jwksFile (${file}) has no key for ${uncovered.join(', ')}; fix jwt.algorithms or the key set`);
  }
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve === undefined ? (key.asymmetricKeyType ?? 'unknown').toUpperCase() : `${key.asymmetricKeyType?.toUpperCase()} ${curve}`;
}

function toVerifiedToken(payload: JWTPayload, jwt: Config['jwt']): VerifiedToken {
  const user = payload[jwt.userClaim];
  if (typeof user !== 'string' || user === '') {
    throw new OpenRazError('ERR_AUTH_CLAIM_INVALID', `The token has no non-empty string claim "${jwt.userClaim}" naming the user.`, { claim: jwt.userClaim });
  }

  const rawGroups = payload[jwt.groupsClaim];
  let groups: string[] = [];
  if (rawGroups !== undefined) {
    if (!Array.isArray(rawGroups) || !rawGroups.every((group): group is string => typeof group === 'string')) {
      throw new OpenRazError('ERR_AUTH_CLAIM_INVALID', `The token claim "${jwt.groupsClaim}" must be an array of strings.`, { claim: jwt.groupsClaim });
    }
    groups = rawGroups;
  }

  // jwtVerify has already required `exp` to be a number.
  return {
    user,
    groups,
    scopes: readScopes(payload),
    ...(typeof payload.jti === 'string' ? { tokenId: payload.jti } : {}),
    expiresAt: new Date((payload.exp as number) * 1000),
  };
}

function readScopes(payload: JWTPayload): string[] {
  const scopes: string[] = [];
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === 'string') scopes.push(...claim.split(' ').filter((scope) => scope !== ''));
    else if (Array.isArray(claim)) scopes.push(...claim.filter((scope): scope is string => typeof scope === 'string'));
  }
  return scopes;
}

/** Maps jose's errors to the service's codes, in one place. */
export function translateJoseError(error: unknown): OpenRazError {
  if (error instanceof OpenRazError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    // jose also reports a token older than maxTokenAge as expired, with the claim "iat".
    const message = error.claim === 'iat' ? 'The token is older than this service accepts; get a new one.' : 'The token has expired; get a new one.';
    return new OpenRazError('ERR_AUTH_TOKEN_EXPIRED', message, { claim: error.claim }, { cause: error });
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return new OpenRazError('ERR_AUTH_CLAIM_INVALID', describeClaimFailure(error.claim, error.reason), { claim: error.claim }, { cause: error });
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return new OpenRazError('ERR_AUTH_ALGORITHM_NOT_ALLOWED', 'The token is signed with an algorithm this service does not accept.', {}, { cause: error });
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new OpenRazError('ERR_AUTH_SIGNATURE_INVALID', 'The token signature is invalid.', {}, { cause: error });
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new OpenRazError('ERR_AUTH_KEY_NOT_FOUND', 'No trusted key matches the token "kid" and "alg".', {}, { cause: error });
  }
  if (error instanceof joseErrors.JWKSTimeout) {
    return new OpenRazError('ERR_AUTH_JWKS_UNAVAILABLE', 'The token keys (JWKS) could not be fetched in time; try again later. Operators: check jwt.jwksUrl and the service log.', {}, { cause: error });
  }
  if (error instanceof joseErrors.JOSENotSupported) {
    return new OpenRazError('ERR_AUTH_ALGORITHM_NOT_ALLOWED', 'The token uses an algorithm or key type this service does not support.', {}, { cause: error });
  }
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid) {
    return new OpenRazError('ERR_AUTH_TOKEN_MALFORMED', 'The bearer token is not a valid JWT.', {}, { cause: error });
  }
  if (error instanceof joseErrors.JOSEError) {
    return new OpenRazError('ERR_AUTH_JWKS_UNAVAILABLE', 'The token keys (JWKS) could not be loaded; try again later. Operators: check jwt.jwksUrl and the service log.', {}, { cause: error });
  }
  // A failed JWKS fetch surfaces as a plain network error.
  return new OpenRazError('ERR_AUTH_JWKS_UNAVAILABLE', 'The token keys (JWKS) could not be fetched; try again later.', {}, { cause: error });
}

function describeClaimFailure(claim: string, reason: string): string {
  if (reason === 'missing') return `The token has no "${claim}" claim, which this service requires.`;
  if (claim === 'nbf') return 'The token is not valid yet ("nbf" is in the future).';
  if (claim === 'iat') return 'The token is too old or its "iat" claim is invalid.';
  if (claim === 'iss') return 'The token issuer ("iss") is not the one this service trusts.';
  if (claim === 'aud') return 'The token audience ("aud") does not include this service.';
  return `The token claim "${claim}" is invalid.`;
}
