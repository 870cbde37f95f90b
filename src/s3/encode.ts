import { escapeUri } from '@smithy/util-uri-escape';

/**
 * Encodes an S3 key for the URL path: each `/`-separated segment is percent-encoded once
 * with SigV4's URI encoding (every byte except `A-Z a-z 0-9 - . _ ~`, upper-case hex), and
 * the `/` separators stay. Empty segments stay too, so `a//b` and `a/` keep their meaning.
 * The key is taken as it is: it is never decoded or normalised first.
 */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(escapeUri).join('/');
}
