import type { PolicyProblem } from './compile-policy.js';
import type { ValidityPredicate } from './types.js';

/** Compiles a policy's validity schedules. */
export function compileSchedules(raw: unknown[]): { predicate?: ValidityPredicate; problems: PolicyProblem[] } {
  return { problems: raw.map((_, index) => ({ pointer: `/${index}`, message: 'validity schedules are not supported by openraz yet; remove them' })) };
}
