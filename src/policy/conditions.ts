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
}

/**
 * A condition's result. `unknown` means the request lacks the attribute the condition reads;
 * Ranger treats that as a pass, openraz resolves it towards deny (see evaluate.ts).
 */
export type ConditionResult = 'true' | 'false' | 'unknown';

export interface CompiledCondition {
  type: string;
  values: readonly string[];
  evaluate(context: RequestContext): ConditionResult;
}

/** Compiles the values of one condition type, or returns a message naming what is wrong. */
export type ConditionCompiler = (values: readonly string[]) => ((context: RequestContext) => ConditionResult) | string;

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
  const evaluate = compiler(values);
  if (typeof evaluate === 'string') return evaluate;
  return { type, values, evaluate };
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
  return (context) => compareAtMost(context.contentLength, limit);
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
  return (context) => {
    if (context.contentType === undefined) return 'unknown';
    const mediaType = context.contentType.split(';')[0]!.trim().toLowerCase();
    const wholeType = `${mediaType.split('/')[0]}/*`;
    return allowed.includes(mediaType) || allowed.includes(wholeType) ? 'true' : 'false';
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
