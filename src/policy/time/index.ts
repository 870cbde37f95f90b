export { compileValiditySchedules, type ScheduleProblem, type ValiditySchedulePredicate } from './validity-schedule.js';
export { compileTimeOfDay } from './time-of-day.js';
export { parseZone, TIME_ZONE_FORMS, type Zone } from './zoned-time.js';
