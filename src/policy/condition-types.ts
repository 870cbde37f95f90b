import { compileContentTypes, compileIpRange, compileMaxExpires, compileMaxObjectSize, type ConditionCompiler } from './conditions.js';

/** The condition types openraz implements; any other type in a policy is a load error. */
export const CONDITION_COMPILERS: ReadonlyMap<string, ConditionCompiler> = new Map([
  ['ip-range', compileIpRange],
  ['max-expires-seconds', compileMaxExpires],
  ['max-object-size', compileMaxObjectSize],
  ['content-types', compileContentTypes],
]);
