import {
  compileContentTypes,
  compileIfNoneMatch,
  compileIpRange,
  compileMaxExpires,
  compileMaxObjectSize,
  compileServerSideEncryption,
  type ConditionCompiler,
} from './conditions.js';
import { compileTimeOfDay } from './time/index.js';

/** `time-of-day`: the request time is inside one of the ranges, such as "09:00-17:00 Europe/Berlin". */
const compileTimeOfDayCondition: ConditionCompiler = (values) => {
  const compiled = compileTimeOfDay(values);
  if (typeof compiled === 'string') return compiled;
  return (context) => (context.time === undefined ? 'unknown' : compiled.matches(context.time) ? 'true' : 'false');
};

/** The condition types openraz implements; any other type in a policy is a load error. */
export const CONDITION_COMPILERS: ReadonlyMap<string, ConditionCompiler> = new Map([
  ['ip-range', compileIpRange],
  ['time-of-day', compileTimeOfDayCondition],
  ['max-expires-seconds', compileMaxExpires],
  ['max-object-size', compileMaxObjectSize],
  ['content-types', compileContentTypes],
  ['server-side-encryption', compileServerSideEncryption],
  ['if-none-match', compileIfNoneMatch],
]);
