import { BlockList, isIP } from 'node:net';

/** Request attributes that conditions and validity schedules read. */
export interface RequestContext {
  clientIp?: string;
  /** The instant of the request; schedules and time-of-day conditions read it. */
  time?: Date;
  /** The lifetime the caller asks for the URL, in seconds. */
  expiresInSeconds?: number;
  /** The size of an upload, in bytes. */
  contentLength?: number;
  /** The media type of an upload, such as `image/png`. */
  contentType?: string;
  /** The server-side encryption an upload declares, such as `AES256`. */
  serverSideEncryption?: string;
  /** The `If-None-Match` value an upload declares; `*` makes it fail when the key exists. */
  ifNoneMatch?: string;
  /**
   * The channel through which the store enforces an upload's requirements. `headers` are
   * signed into the request, and `unconditional` headers into a request that cannot be made
   * conditional on the key not existing (a copy, the start of a multipart upload). `form` is
   * a POST policy. Absent for requests that upload nothing.
   */
  upload?: UploadChannel;
}

export type UploadChannel = 'headers' | 'unconditional' | 'form';

/**
 * A rule an allowed upload must obey, which openraz signs into the request so the store
 * enforces it: the upload is allowed on that condition.
 */
export type UploadRequirement =
  | { kind: 'server-side-encryption'; algorithm: string }
  | { kind: 'if-none-match' }
  | { kind: 'max-object-size'; bytes: number }
  | { kind: 'content-types'; mediaTypes: readonly string[] };

/**
 * A condition's result. `unknown` means the request lacks the attribute the condition reads;
 * Ranger treats that as a pass, openraz resolves it towards deny (see evaluate.ts).
 */
export type ConditionResult = 'true' | 'false' | 'unknown';

export interface CompiledCondition {
  type: string;
  values: readonly string[];
  evaluate(context: RequestContext): ConditionResult;
  /**
   * The rule the upload must obey when the condition is true because the request left the
   * attribute out, for openraz to sign in. Absent when the condition only checks.
   */
  requirement?(context: RequestContext): UploadRequirement | undefined;
}

/** A compiled condition's logic, before `compileCondition` adds its type and values. */
export type ConditionLogic = Pick<CompiledCondition, 'evaluate' | 'requirement'>;

/**
 * Compiles the values of one condition type into its evaluation (or its evaluation and
 * upload requirement), or returns a message naming what is wrong.
 */
export type ConditionCompiler = (values: readonly string[]) => ((context: RequestContext) => ConditionResult) | ConditionLogic | string;

/**
 * Compiles a Ranger condition `{ type, values }` with the registered compilers.
 *
 * @returns the condition, or a message naming what is wrong.
 */
export function compileCondition(
  compilers: ReadonlyMap<string, ConditionCompiler>,
  type: string,
  values: readonly string[],
): CompiledCondition | string {
  const compiler = compilers.get(type);
  if (compiler === undefined) {
    return `unknown condition type "${type}"; openraz implements ${[...compilers.keys()].map((name) => `"${name}"`).join(', ')}`;
  }
  const compiled = compiler(values);
  if (typeof compiled === 'string') return compiled;
  if (typeof compiled === 'function') return { type, values, evaluate: compiled };
  return { type, values, ...compiled };
}

/**
 * Evaluates conditions that must all hold (Ranger ANDs the conditions of one item). One false
 * makes the whole false; otherwise one unknown makes it unknown.
 */
export function evaluateAll(conditions: readonly CompiledCondition[], context: RequestContext): ConditionResult {
  let result: ConditionResult = 'true';
  for (const condition of conditions) {
    const value = condition.evaluate(context);
    if (value === 'false') return 'false';
    if (value === 'unknown') result = 'unknown';
  }
  return result;
}

/** Returns the first condition that is not true, for explanations. */
export function firstFailing(conditions: readonly CompiledCondition[], context: RequestContext): { condition: CompiledCondition; result: ConditionResult } | undefined {
  for (const condition of conditions) {
    const result = condition.evaluate(context);
    if (result !== 'true') return { condition, result };
  }
  return undefined;
}

/**
 * `ip-range` values are exact addresses, CIDR blocks (IPv4 or IPv6) or Ranger's trailing
 * wildcards such as `10.1.*`, which stand for whole octets.
 */
export const compileIpRange: ConditionCompiler = (values) => {
  const blocks = new BlockList();
  const families = new Set<number>();
  for (const value of values) {
    const problem = addIpRange(blocks, value.trim(), families);
    if (problem !== undefined) return problem;
  }
  return (context) => {
    if (context.clientIp === undefined) return 'unknown';
    const address = normalizeAddress(context.clientIp);
    const family = isIP(address);
    // A list with no range of the client's address family cannot decide for it, and an IPv4
    // deny list must not let every IPv6 client through.
    if (family === 0 || !families.has(family)) return 'unknown';
    return blocks.check(address, family === 4 ? 'ipv4' : 'ipv6') ? 'true' : 'false';
  };
};

/** `max-expires-seconds`: the URL lifetime asked for is at most the value. */
export const compileMaxExpires: ConditionCompiler = (values) => {
  const limit = parseSingleInteger('max-expires-seconds', values);
  if (typeof limit === 'string') return limit;
  return (context) => compareAtMost(context.expiresInSeconds, limit);
};

/** `max-object-size`: the declared upload size is at most the value, in bytes. */
export const compileMaxObjectSize: ConditionCompiler = (values) => {
  const limit = parseSingleInteger('max-object-size', values);
  if (typeof limit === 'string') return limit;
  return {
    // A form upload does not know its size in advance: the POST policy's content-length-range enforces the limit.
    evaluate: (context) => (context.upload === 'form' && context.contentLength === undefined ? 'true' : compareAtMost(context.contentLength, limit)),
    requirement: (context) => (context.upload === 'form' && context.contentLength === undefined ? { kind: 'max-object-size', bytes: limit } : undefined),
  };
};

/** `content-types`: the declared media type is one of the values; `image/*` matches a whole type. */
export const compileContentTypes: ConditionCompiler = (values) => {
  const allowed: string[] = [];
  for (const value of values) {
    const normalized = value.trim().toLowerCase();
    if (!/^[a-z0-9!#$&^_.+-]+\/(\*|[a-z0-9!#$&^_.+-]+)$/.test(normalized)) {
      return `invalid content-types value "${value}"; write a media type such as "image/png" or "image/*"`;
    }
    allowed.push(normalized);
  }
  return {
    evaluate: (context) => {
      if (context.contentType === undefined) return context.upload === 'form' ? 'true' : 'unknown';
      return matchesMediaType(allowed, context.contentType);
    },
    // A form sets its Content-Type field when the file is chosen; the POST policy restricts it.
    requirement: (context) => (context.upload === 'form' && context.contentType === undefined ? { kind: 'content-types', mediaTypes: allowed } : undefined),
  };
};

function matchesMediaType(allowed: readonly string[], contentType: string): ConditionResult {
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const wholeType = `${mediaType.split('/')[0]}/*`;
  return allowed.includes(mediaType) || allowed.includes(wholeType) ? 'true' : 'false';
}

/** The algorithms S3 takes in `x-amz-server-side-encryption`. */
const SSE_ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);

/**
 * `server-side-encryption`: an upload is encrypted at rest with one of the values. An upload
 * that names none gets the first value signed in; requests that upload nothing pass.
 */
export const compileServerSideEncryption: ConditionCompiler = (values) => {
  const algorithms = values.map((value) => value.trim());
  const invalid = algorithms.find((algorithm) => !SSE_ALGORITHMS.has(algorithm));
  if (algorithms.length === 0 || invalid !== undefined) {
    return `server-side-encryption takes one or more of ${[...SSE_ALGORITHMS].map((name) => `"${name}"`).join(', ')}; got ${JSON.stringify(values)}`;
  }
  return {
    evaluate: (context) => {
      if (context.upload === undefined || context.serverSideEncryption === undefined) return 'true';
      return algorithms.includes(context.serverSideEncryption) ? 'true' : 'false';
    },
    requirement: (context) =>
      context.upload !== undefined && context.serverSideEncryption === undefined ? { kind: 'server-side-encryption', algorithm: algorithms[0]! } : undefined,
  };
};

/**
 * `if-none-match`: an upload must not overwrite an existing key. A PutObject gets
 * `If-None-Match: *` signed in. Form uploads, copies and multipart uploads are not allowed:
 * a form cannot carry the header, and Ceph RGW 16.2 ignores it on CopyObject and
 * CompleteMultipartUpload. Requests that upload nothing pass.
 */
export const compileIfNoneMatch: ConditionCompiler = (values) => {
  if (values.length !== 1 || values[0]!.trim() !== '*') {
    return `if-none-match takes the one value ["*"]; got ${JSON.stringify(values)}`;
  }
  return {
    evaluate: (context) => {
      if (context.upload === undefined) return 'true';
      if (context.ifNoneMatch !== undefined) return context.ifNoneMatch === '*' ? 'true' : 'false';
      return context.upload === 'headers' ? 'true' : 'unknown';
    },
    requirement: (context) => (context.upload === 'headers' && context.ifNoneMatch === undefined ? { kind: 'if-none-match' } : undefined),
  };
};

function compareAtMost(value: number | undefined, limit: number): ConditionResult {
  if (value === undefined) return 'unknown';
  return value <= limit ? 'true' : 'false';
}

function parseSingleInteger(type: string, values: readonly string[]): number | string {
  const text = values[0]?.trim() ?? '';
  if (values.length !== 1 || !/^\d{1,15}$/.test(text)) {
    return `${type} takes one whole number, such as ["3600"]; got ${JSON.stringify(values)}`;
  }
  return Number(text);
}

function addIpRange(blocks: BlockList, value: string, families: Set<number>): string | undefined {
  if (value.endsWith('*')) {
    const octets = value.split('.');
    const fixed = octets.filter((octet) => octet !== '*');
    const wildcardsTrail = octets.slice(fixed.length).every((octet) => octet === '*');
    if (!wildcardsTrail || fixed.length === 0 || fixed.length > 3 || !fixed.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) {
      return `invalid ip-range value "${value}"; a wildcard replaces whole trailing octets, as in "10.1.*"`;
    }
    const network = [...fixed, ...new Array<string>(4 - fixed.length).fill('0')].join('.');
    blocks.addSubnet(network, fixed.length * 8, 'ipv4');
    families.add(4);
    return undefined;
  }

  const [address, prefixText] = value.split('/') as [string, string | undefined];
  const family = isIP(address);
  if (family === 0) return `invalid ip-range value "${value}"; write an address, a CIDR block or a wildcard such as "10.1.*"`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  families.add(family);
  if (prefixText === undefined) {
    blocks.addAddress(address, type);
    return undefined;
  }
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) {
    return `invalid ip-range value "${value}"; the prefix length must be 0 to ${family === 4 ? 32 : 128}`;
  }
  blocks.addSubnet(address, prefix, type);
  return undefined;
}

/** Turns an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`), as Node reports it, into IPv4. */
function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped === null ? address : mapped[1]!;
}
