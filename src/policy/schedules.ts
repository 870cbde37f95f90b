import type { PolicyProblem } from './compile-policy.js';
import { compileValiditySchedules } from './time/index.js';
import type { ValidityPredicate } from './types.js';

/** Compiles a policy's validity schedules; pointers in the problems are relative to the array. */
export function compileSchedules(raw: unknown[]): { predicate?: ValidityPredicate; problems: PolicyProblem[] } {
  const { predicate, problems } = compileValiditySchedules(raw);
  return { ...(predicate === undefined ? {} : { predicate }), problems };
}
