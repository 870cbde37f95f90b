import { MS_PER_DAY, MS_PER_MINUTE, parseZone, wallMsOf } from './zoned-time.js';
import { isScheduleActive, type Recurrence, type Schedule, type ValueSet } from './schedule-search.js';

/** A policy's compiled validity schedules, asked per request whether they let the policy apply. */
export interface ValiditySchedulePredicate {
  isActive(now: Date): boolean;
}

/** A load problem, located by a JSON pointer relative to the `validitySchedules` array. */
export interface ScheduleProblem {
  pointer: string;
  message: string;
}

/** Ranger's format for `startTime` and `endTime`, `yyyy/MM/dd HH:mm:ss`, read in the schedule's zone. */
const DATE_PATTERN = /^(\d{4})\/(\d{1,2})\/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})$/;

/** Ranger's evaluator reads a schedule without `timeZone` in GMT. */
const DEFAULT_TIME_ZONE = 'GMT';

const SCHEDULE_KEYS = ['startTime', 'endTime', 'timeZone', 'recurrences'];
const RECURRENCE_KEYS = ['schedule', 'interval'];
const INTERVAL_KEYS = ['days', 'hours', 'minutes'];

/**
 * The recurrence fields with their value ranges. Months are 1-12 and weekdays 1-7 with 1 for
 * Sunday, as Ranger writes them. Ranger limits years to 2017-2100, but openraz accepts 1970-9999.
 */
const FIELD_RANGES = {
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  dayOfWeek: [1, 7],
  month: [1, 12],
  year: [1970, 9999],
} as const;

type FieldName = keyof typeof FIELD_RANGES;

/**
 * The maximum days of an interval. A longer occurrence is better written as startTime and endTime,
 * and the bound keeps interval arithmetic within the range of `Date`.
 */
const MAX_INTERVAL_DAYS = 3660;

/** The values a recurrence field allows. */
/**
 * Compiles a policy's validitySchedules. Instead of throwing, it returns problems, each with a JSON
 * pointer relative to the schedules array (like `/0/startTime`) and a plain message naming the fix.
 *
 * A policy applies when at least one schedule is active. A schedule is active from `startTime`
 * (inclusive) to `endTime` (exclusive), each optional, read in its `timeZone` (default GMT). When it
 * has recurrences, it is active only while one of them runs: a recurrence starts at each minute that
 * matches its schedule fields (in the schedule's zone, not before `startTime`) and runs for its
 * interval. A day matches when its month and year match and its dayOfMonth or its dayOfWeek matches.
 *
 * @returns no predicate when there are problems, or when `raw` is empty (nothing restricts the policy).
 */
export function compileValiditySchedules(raw: unknown[]): { predicate?: ValiditySchedulePredicate; problems: ScheduleProblem[] } {
  const problems: ScheduleProblem[] = [];
  const schedules = raw.map((entry, index) => compileSchedule(entry, `/${index}`, problems));
  if (problems.length > 0 || schedules.length === 0) return { problems };

  const compiled = schedules as Schedule[];
  return {
    predicate: { isActive: (now) => compiled.some((schedule) => isScheduleActive(schedule, now.getTime())) },
    problems,
  };
}

function compileSchedule(raw: unknown, pointer: string, problems: ScheduleProblem[]): Schedule | undefined {
  if (!isObject(raw)) {
    problems.push({ pointer, message: 'a validity schedule must be an object with startTime, endTime, timeZone or recurrences' });
    return undefined;
  }
  const before = problems.length;
  checkKeys(raw, SCHEDULE_KEYS, pointer, problems);

  const zoneId = optionalString(raw.timeZone, `${pointer}/timeZone`, problems) ?? DEFAULT_TIME_ZONE;
  const zone = parseZone(zoneId);
  if (typeof zone === 'string') problems.push({ pointer: `${pointer}/timeZone`, message: zone });

  const startText = optionalString(raw.startTime, `${pointer}/startTime`, problems);
  const endText = optionalString(raw.endTime, `${pointer}/endTime`, problems);
  const startWall = startText === undefined ? undefined : parseDate(startText, `${pointer}/startTime`, problems);
  const endWall = endText === undefined ? undefined : parseDate(endText, `${pointer}/endTime`, problems);
  if (startWall !== undefined && endWall !== undefined && endWall <= startWall) {
    problems.push({ pointer: `${pointer}/endTime`, message: `endTime "${endText}" must be later than startTime "${startText}"` });
  }

  const recurrences = compileRecurrences(raw.recurrences, `${pointer}/recurrences`, problems);
  const hasRecurrences = Array.isArray(raw.recurrences) && raw.recurrences.length > 0;
  if (startText === undefined && endText === undefined && !hasRecurrences) {
    problems.push({ pointer, message: 'the validity schedule is empty; set startTime, endTime or recurrences' });
  }

  if (problems.length > before || typeof zone === 'string') return undefined;
  return {
    zone,
    start: startWall === undefined ? undefined : zone.toInstant(startWall),
    startDay: startWall === undefined ? undefined : Math.floor(startWall / MS_PER_DAY),
    end: endWall === undefined ? undefined : zone.toInstant(endWall),
    recurrences,
  };
}

function compileRecurrences(raw: unknown, pointer: string, problems: ScheduleProblem[]): Recurrence[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push({ pointer, message: 'recurrences must be an array of { schedule, interval } objects' });
    return [];
  }

  const recurrences: Recurrence[] = [];
  raw.forEach((entry: unknown, index) => {
    const recurrence = compileRecurrence(entry, `${pointer}/${index}`, problems);
    if (recurrence !== undefined) recurrences.push(recurrence);
  });
  return recurrences;
}

function compileRecurrence(raw: unknown, pointer: string, problems: ScheduleProblem[]): Recurrence | undefined {
  if (!isObject(raw)) {
    problems.push({ pointer, message: 'a recurrence must be an object with schedule and interval' });
    return undefined;
  }
  const before = problems.length;
  checkKeys(raw, RECURRENCE_KEYS, pointer, problems);

  const fields = compileScheduleFields(raw.schedule, `${pointer}/schedule`, problems);
  const interval = compileInterval(raw.interval, `${pointer}/interval`, problems);
  if (fields === undefined || interval === undefined || problems.length > before) return undefined;

  const minutes = fields.minute!;
  const hours = fields.hour!;
  const minutesOfDay: number[] = [];
  for (let hour = 0; hour < 24; hour++) {
    if (!hours(hour)) continue;
    for (let minute = 0; minute < 60; minute++) {
      if (minutes(minute)) minutesOfDay.push(hour * 60 + minute);
    }
  }

  const { dayOfMonth, dayOfWeek, month } = fields;
  return {
    minutesOfDay,
    latestDayOfMonth: dayOfMonth && latestAllowed(dayOfMonth, 31),
    weekdays: dayOfWeek && Array.from({ length: 7 }, (_, weekday) => dayOfWeek(weekday + 1)),
    latestMonth: latestAllowed(month!, 12),
    years: fields.year!,
    intervalDays: interval.days,
    intervalMs: interval.elapsedMs,
    // One extra day for a start late in its day, one for offset changes between start and now.
    lookbackDays: interval.days + Math.ceil(interval.elapsedMs / MS_PER_DAY) + 2,
  };
}

function compileScheduleFields(raw: unknown, pointer: string, problems: ScheduleProblem[]): Partial<Record<FieldName, ValueSet>> | undefined {
  if (raw === undefined || raw === null) {
    problems.push({ pointer, message: 'missing schedule; write for example { "minute": "0", "hour": "9", "dayOfWeek": "2", "month": "*", "year": "*" }' });
    return undefined;
  }
  if (!isObject(raw)) {
    problems.push({ pointer, message: 'schedule must be an object of minute, hour, dayOfMonth, dayOfWeek, month and year' });
    return undefined;
  }
  checkKeys(raw, Object.keys(FIELD_RANGES), pointer, problems);

  const fields: Partial<Record<FieldName, ValueSet>> = {};
  for (const name of Object.keys(FIELD_RANGES) as FieldName[]) {
    const text = fieldText(raw[name]);
    const [min, max] = FIELD_RANGES[name];
    if (text === undefined) {
      // Ranger lets one of dayOfMonth and dayOfWeek be blank, and a blank one contributes no days.
      if (name === 'dayOfMonth' || name === 'dayOfWeek') continue;
      problems.push({ pointer: `${pointer}/${name}`, message: `missing ${name}; write "*" or a value from ${min} to ${max}` });
      continue;
    }
    const values = parseField(text, min, max);
    if (values === undefined) {
      problems.push({
        pointer: `${pointer}/${name}`,
        message: `invalid ${name} "${text}"; write "*", a value from ${min} to ${max}, a list such as "${min},${max}" or a range such as "${min}-${max}"`,
      });
    } else {
      fields[name] = values;
    }
  }

  if (fieldText(raw.dayOfMonth) === undefined && fieldText(raw.dayOfWeek) === undefined) {
    problems.push({ pointer, message: 'dayOfMonth and dayOfWeek are both empty; set at least one, for example dayOfWeek "2" for Monday (1 is Sunday)' });
  }
  return fields;
}

/** Tabulates, for each value v from 0 to `max`, the largest allowed value from 1 to v, or 0 when there is none. */
function latestAllowed(values: ValueSet, max: number): number[] {
  const table = [0];
  for (let value = 1; value <= max; value++) table.push(values(value) ? value : table[value - 1]!);
  return table;
}

/** Returns a field's text, or `undefined` when it is absent or blank. Numbers are accepted as Ranger's JSON reader does. */
function fieldText(raw: unknown): string | undefined {
  if (typeof raw === 'number') return String(raw);
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  return raw.trim();
}

/**
 * Parses Ranger's field syntax: comma-separated items, each `*`, a value or a range `a-b` with
 * a <= b. A `*` anywhere, even as a range bound, allows every value, as in Ranger's evaluator.
 */
function parseField(text: string, min: number, max: number): ValueSet | undefined {
  const ranges: [number, number][] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    if (item === '') continue;
    const bounds = item.split('-').map((part) => part.trim());
    if (bounds.length > 2) return undefined;
    if (bounds.includes('*')) return () => true;
    if (!bounds.every((bound) => /^\d{1,4}$/.test(bound))) return undefined;

    const low = Number(bounds[0]);
    const high = Number(bounds[bounds.length - 1]);
    if (low < min || high > max || low > high) return undefined;
    ranges.push([low, high]);
  }
  if (ranges.length === 0) return undefined;
  return (value) => ranges.some(([low, high]) => value >= low && value <= high);
}

function compileInterval(raw: unknown, pointer: string, problems: ScheduleProblem[]): { days: number; elapsedMs: number } | undefined {
  if (!isObject(raw)) {
    problems.push({ pointer, message: 'missing interval; write how long each occurrence lasts, for example { "hours": 8 }' });
    return undefined;
  }
  checkKeys(raw, INTERVAL_KEYS, pointer, problems);

  const limits = { days: MAX_INTERVAL_DAYS, hours: 23, minutes: 59 } as const;
  const values = { days: 0, hours: 0, minutes: 0 };
  let valid = true;
  for (const name of INTERVAL_KEYS as (keyof typeof limits)[]) {
    const value = raw[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > limits[name]) {
      const hint = name === 'days' ? ', or use startTime and endTime for longer periods' : '';
      const message = `invalid interval ${name} ${JSON.stringify(value)}; write a whole number from 0 to ${limits[name]}${hint}`;
      problems.push({ pointer: `${pointer}/${name}`, message });
      valid = false;
    } else {
      values[name] = value;
    }
  }
  if (!valid) return undefined;
  if (values.days === 0 && values.hours === 0 && values.minutes === 0) {
    problems.push({ pointer, message: 'the interval is zero; set days, hours or minutes to how long each occurrence lasts' });
    return undefined;
  }
  return { days: values.days, elapsedMs: (values.hours * 60 + values.minutes) * MS_PER_MINUTE };
}

/** Parses `yyyy/MM/dd HH:mm:ss` into wall milliseconds, rejecting impossible dates such as February 30. */
function parseDate(text: string, pointer: string, problems: ScheduleProblem[]): number | undefined {
  const fields = DATE_PATTERN.exec(text)?.slice(1).map(Number);
  if (fields !== undefined) {
    const [year, month, day, hour, minute, second] = fields as [number, number, number, number, number, number];
    const wallMs = wallMsOf(year, month, day, hour, minute, second);
    const date = new Date(wallMs);
    const isRealDate = date.getUTCMonth() + 1 === month && date.getUTCDate() === day && hour <= 23 && minute <= 59 && second <= 59;
    if (isRealDate && year >= 1970) return wallMs;
  }
  problems.push({ pointer, message: `invalid date "${text}"; write yyyy/MM/dd HH:mm:ss from 1970 on, such as "2026/03/30 09:00:00"` });
  return undefined;
}

function checkKeys(raw: Record<string, unknown>, allowed: readonly string[], pointer: string, problems: ScheduleProblem[]): void {
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key)) continue;
    const escaped = key.replaceAll('~', '~0').replaceAll('/', '~1');
    problems.push({ pointer: `${pointer}/${escaped}`, message: `unknown field "${key}"; the fields are ${allowed.join(', ')}` });
  }
}

/** Returns a trimmed string field, treating an absent or blank value as unset, as Ranger does. */
function optionalString(raw: unknown, pointer: string, problems: ScheduleProblem[]): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return raw.trim() === '' ? undefined : raw.trim();
  const name = pointer.slice(pointer.lastIndexOf('/') + 1);
  problems.push({ pointer, message: `${name} must be a string, not ${JSON.stringify(raw)}` });
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
