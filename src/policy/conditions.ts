import { BlockList, isIP } from 'node:net';

/** Request attributes that conditions read. A missing attribute makes its conditions unknown. */
export interface RequestContext {
  clientIp?: string;
}

/**
 * A condition's result. `unknown` means the request lacks the attribute the condition reads;
 * Ranger treats that as a pass, openraz resolves it towards deny (see `resolveForAllow`).
 */
export type ConditionResult = 'true' | 'false' | 'unknown';

export interface CompiledCondition {
  type: string;
  evaluate(context: RequestContext): ConditionResult;
}

/** The condition types openraz implements; any other type is a load error. */
export const CONDITION_TYPES = ['ip-range'] as const;

/**
 * Compiles a Ranger condition `{ type, values }`.
 *
 * @returns the condition, or a message naming what is wrong.
 */
export function compileCondition(type: string, values: readonly string[]): CompiledCondition | string {
  switch (type) {
    case 'ip-range':
      return compileIpRange(values);
    default:
      return `unknown condition type "${type}"; openraz implements ${CONDITION_TYPES.map((name) => `"${name}"`).join(', ')}`;
  }
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

/**
 * `ip-range` values are exact addresses, CIDR blocks (IPv4 or IPv6) or Ranger's trailing
 * wildcards such as `10.1.*`, which stand for whole octets.
 */
function compileIpRange(values: readonly string[]): CompiledCondition | string {
  const blocks = new BlockList();
  for (const value of values) {
    const problem = addIpRange(blocks, value.trim());
    if (problem !== undefined) return problem;
  }
  return {
    type: 'ip-range',
    evaluate(context) {
      if (context.clientIp === undefined) return 'unknown';
      const address = normalizeAddress(context.clientIp);
      const family = isIP(address);
      if (family === 0) return 'unknown';
      return blocks.check(address, family === 4 ? 'ipv4' : 'ipv6') ? 'true' : 'false';
    },
  };
}

function addIpRange(blocks: BlockList, value: string): string | undefined {
  if (value.endsWith('*')) {
    const octets = value.split('.');
    const fixed = octets.filter((octet) => octet !== '*');
    const wildcardsTrail = octets.slice(fixed.length).every((octet) => octet === '*');
    if (!wildcardsTrail || fixed.length === 0 || fixed.length > 3 || !fixed.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) {
      return `invalid ip-range value "${value}"; a wildcard replaces whole trailing octets, as in "10.1.*"`;
    }
    const network = [...fixed, ...new Array<string>(4 - fixed.length).fill('0')].join('.');
    blocks.addSubnet(network, fixed.length * 8, 'ipv4');
    return undefined;
  }

  const [address, prefixText] = value.split('/') as [string, string | undefined];
  const family = isIP(address);
  if (family === 0) return `invalid ip-range value "${value}"; write an address, a CIDR block or a wildcard such as "10.1.*"`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
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
