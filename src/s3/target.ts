import { isIP } from 'node:net';

/** The destination of signed requests: one S3-compatible endpoint and its region. */
export interface StorageTarget {
  protocol: 'http:' | 'https:';
  /** Host name or IP address, without the port. */
  hostname: string;
  /** The port when it is not the scheme's default; a default port is never signed. */
  port?: number;
  region: string;
  forcePathStyle: boolean;
  /** Canned ACL signed into every PutObject, CreateMultipartUpload and CopyObject, when set. */
  putObjectAcl?: string;
  /**
   * Sign guards that fail a copy added with an unsigned `x-amz-copy-source` to a PutObject or
   * UploadPart, for stores that run unsigned `x-amz-*` headers (Ceph RGW 16.2).
   */
  guardCopySource?: boolean;
}

/** The region name Cloudflare R2 takes in SigV4 scopes. */
export const R2_REGION = 'auto';

/** Host suffix of Cloudflare R2's S3 API endpoints (`<account id>.r2.cloudflarestorage.com`). */
const R2_HOST_SUFFIX = '.r2.cloudflarestorage.com';

/** Returns the AWS endpoint for `region`. */
export function awsEndpoint(region: string): string {
  return `https://s3.${region}.amazonaws.com`;
}

/**
 * Parses an endpoint URL such as `http://127.0.0.1:7480`. Only scheme, host and port are
 * allowed; `https://s3.example.com:443` keeps no port, because clients do not send it.
 *
 * @throws TypeError naming what is wrong with the endpoint.
 */
export function parseStorageTarget(endpoint: string, region: string, forcePathStyle: boolean): StorageTarget {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`"${endpoint}" is not a URL; write it as http(s)://host[:port]`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`"${endpoint}" must use http or https`);
  }
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new TypeError(`"${endpoint}" must contain only scheme, host and port`);
  }
  // The WHATWG URL parser already drops a port that is the scheme's default.
  return {
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    region,
    forcePathStyle,
  };
}

/** Returns the endpoint's host as clients send it: the host name and a non-default port. */
export function endpointHost(target: StorageTarget): string {
  return target.port === undefined ? target.hostname : `${target.hostname}:${target.port}`;
}

/** Returns the endpoint as a URL origin, such as `http://127.0.0.1:7480`, for messages and logs. */
export function endpointOrigin(target: StorageTarget): string {
  return `${target.protocol}//${endpointHost(target)}`;
}

/**
 * Chooses path-style or virtual-hosted addressing for `bucket` and returns the host (with a
 * non-default port) and the path prefix. A bucket whose name has dots, or an endpoint that
 * is an IP address, always uses path style: a dotted bucket does not match the endpoint's
 * wildcard TLS certificate.
 */
export function addressBucket(target: StorageTarget, bucket: string | undefined): { host: string; pathPrefix: string } {
  const host = endpointHost(target);
  // Without a bucket the request addresses the service itself (ListBuckets).
  if (bucket === undefined) return { host, pathPrefix: '' };
  // The URL parser keeps IPv6 addresses in brackets, which isIP does not accept.
  const isAddress = isIP(target.hostname.replace(/^\[|\]$/g, '')) !== 0;
  if (target.forcePathStyle || isAddress || bucket.includes('.')) {
    return { host, pathPrefix: `/${bucket}` };
  }
  return { host: `${bucket}.${host}`, pathPrefix: '' };
}

/** Returns true for a Cloudflare R2 S3 API host such as `<account id>.r2.cloudflarestorage.com`. */
export function isR2Endpoint(hostname: string): boolean {
  return hostname.endsWith(R2_HOST_SUFFIX) && hostname.length > R2_HOST_SUFFIX.length;
}

/**
 * Checks that the region fits the endpoint: R2 signs in region `auto` only, and `auto`
 * means nothing to other stores. R2 custom domains do not serve the S3 API, so only
 * `<account id>.r2.cloudflarestorage.com` hosts count as R2.
 *
 * @returns the problem, or undefined when the pair is valid.
 */
export function checkEndpointRegion(hostname: string, region: string): string | undefined {
  const r2 = isR2Endpoint(hostname);
  if (r2 && region !== R2_REGION) return `Cloudflare R2 endpoint ${hostname} needs region "${R2_REGION}", not "${region}"`;
  if (!r2 && region === R2_REGION) {
    return `region "${R2_REGION}" is valid only for Cloudflare R2 endpoints (<account id>${R2_HOST_SUFFIX}), not for ${hostname}`;
  }
  return undefined;
}
