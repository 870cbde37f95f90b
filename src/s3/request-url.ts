import { escapeUri } from '@smithy/util-uri-escape';
import { OpenRazError, type ErrorCode } from '../errors/index.js';

/**
 * An absolute http(s) URL split into the parts that SigV4 signs. The path stays as written,
 * because S3 signs the path as sent; the query is decoded once per name and value.
 */
export interface RequestUrl {
  protocol: 'http:' | 'https:';
  /** Host name and port in lower case, without the scheme's default port, as the Host header carries them. */
  host: string;
  /** The path as written, still percent-encoded; `/` when the URL has none. */
  path: string;
  /** The query parameters in their order, each name and value decoded once. A flag such as `uploads` has the value "". */
  query: QueryParameter[];
}

export interface QueryParameter {
  name: string;
  value: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Scheme, authority, path, query and fragment, as in RFC 3986 appendix B but for http(s) only. */
const URL_PARTS = /^(https?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/i;

const DEFAULT_PORTS: Record<RequestUrl['protocol'], string> = { 'http:': ':80', 'https:': ':443' };

/**
 * Parses the URL of a request that a client will send itself. Nothing is resolved or
 * normalised except the host's case and a default port: dot segments and empty segments
 * stay in the path, because S3 takes them literally.
 *
 * Every query name and value must be encoded exactly as SigV4 encodes it (RFC 3986
 * unreserved characters literal, everything else `%XX` in upper case), so that the query
 * the client sends is the one signed. A `+` is therefore rejected: Ceph RGW 16.2 reads it
 * as a space.
 *
 * @throws OpenRazError `ERR_REQUEST_URL_INVALID` naming `url`, or `query.<name>` for a parameter.
 */
export function parseRequestUrl(url: string): RequestUrl {
  if (/[^\x21-\x7e]/.test(url)) {
    throw invalidUrl('url', 'Field "url" must contain printable ASCII only, without spaces; percent-encode other characters as UTF-8.');
  }
  const parts = URL_PARTS.exec(url);
  if (parts === null) throw invalidUrl('url', 'Field "url" must be an absolute http or https URL such as "https://s3.example.com/bucket/key".');
  const [, scheme, authority, rawPath, rawQuery, fragment] = parts as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string | undefined,
  ];
  if (fragment !== undefined)
    throw invalidUrl('url', 'Field "url" must not have a fragment ("#..."): clients do not send it, so it cannot be signed.');
  if (authority === '' || authority.includes('@')) {
    throw invalidUrl('url', 'Field "url" must name a host, without user name or password.');
  }

  const protocol = `${scheme.toLowerCase()}:` as RequestUrl['protocol'];
  const lowerAuthority = authority.toLowerCase();
  const host = lowerAuthority.endsWith(DEFAULT_PORTS[protocol]) ? lowerAuthority.slice(0, -DEFAULT_PORTS[protocol].length) : lowerAuthority;
  return { protocol, host, path: rawPath === '' ? '/' : rawPath, query: parseQuery(rawQuery ?? '') };
}

function parseQuery(rawQuery: string): QueryParameter[] {
  if (rawQuery === '') return [];
  const parameters: QueryParameter[] = [];
  const seen = new Set<string>();
  for (const pair of rawQuery.split('&')) {
    const equals = pair.indexOf('=');
    const rawName = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    if (rawName === '') throw invalidUrl('url', 'The query of "url" has an empty parameter name (an "&&", a leading "=" or a trailing "&").');

    const name = decodeOnce(rawName, 'url', 'A query parameter name');
    const field = `query.${name}`;
    const value = decodeOnce(rawValue, field, `Query parameter "${name}"`);
    if (escapeUri(name) !== rawName || escapeUri(value) !== rawValue) {
      throw invalidUrl(
        field,
        `Query parameter "${name}" must be encoded as SigV4 encodes it: "${escapeUri(name)}${value === '' ? '' : `=${escapeUri(value)}`}".`,
      );
    }
    if (seen.has(name)) throw invalidUrl(field, `Query parameter "${name}" appears more than once; S3 reads only one.`);
    seen.add(name);
    parameters.push({ name, value });
  }
  return parameters;
}

/**
 * Percent-decodes `text` once and reads the bytes as UTF-8. `+` stays a plus sign.
 *
 * @param field The request field to name in an error.
 * @param what The subject of the error message, such as `Query parameter "prefix"`.
 * @param code The error code: `ERR_REQUEST_URL_INVALID` for the URL, `ERR_REQUEST_INVALID` for a header.
 * @throws OpenRazError `code` for a `%` without two hex digits, or bytes that are not UTF-8.
 */
export function decodeOnce(text: string, field: string, what: string, code: ErrorCode = 'ERR_REQUEST_URL_INVALID'): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const character = text.charCodeAt(index);
    if (character !== 0x25) {
      bytes.push(character);
      continue;
    }
    const hex = text.slice(index + 1, index + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
      throw new OpenRazError(
        code,
        `${what} has an invalid percent-encoding "${text.slice(index, index + 3)}"; a "%" must be followed by two hex digits.`,
        { field },
      );
    }
    bytes.push(Number.parseInt(hex, 16));
    index += 2;
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    throw new OpenRazError(code, `${what} decodes to bytes that are not valid UTF-8.`, { field });
  }
}

/** Returns the query as a set of SigV4-encoded `name=value` pairs, so that `uploads` and `uploads=` compare equal. */
export function canonicalQueryPairs(query: readonly QueryParameter[]): Set<string> {
  return new Set(query.map(({ name, value }) => `${escapeUri(name)}=${escapeUri(value)}`));
}

/** Formats the scheme, host and path of a parsed URL, the part of it that addresses the resource. */
export function formatAddress(url: Pick<RequestUrl, 'protocol' | 'host' | 'path'>): string {
  return `${url.protocol}//${url.host}${url.path}`;
}

/** Builds the `ERR_REQUEST_URL_INVALID` error for `field`. */
export function invalidUrl(field: string, message: string): OpenRazError {
  return new OpenRazError('ERR_REQUEST_URL_INVALID', message, { field });
}
