/**
 * Time zone arithmetic for validity schedules and time-of-day conditions.
 *
 * A wall-clock time is represented as "wall milliseconds": the epoch milliseconds that the same
 * calendar fields would have in UTC. Converting between wall milliseconds and instants is the
 * only step that needs the zone's rules, which come from `Intl.DateTimeFormat` (Node's ICU data).
 */

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** The accepted zone forms, quoted in messages about a missing or invalid time zone. */
export const TIME_ZONE_FORMS = 'an IANA name such as "Europe/Berlin", "UTC", or a fixed offset such as "GMT+05:30"';

/**
 * A time zone as written in a policy.
 *
 * `toInstant` resolves wall-clock times that do not exist or occur twice as follows. A time in a
 * gap (clocks jump forward) resolves to the instant the gap ends, so 02:30 on 2026-03-29 in
 * Europe/Berlin becomes 03:00 CEST. A time in an overlap (clocks fall back) resolves to its
 * earlier instant, so 02:30 on 2026-10-25 in Europe/Berlin is 02:30 CEST (00:30Z). Both rules keep
 * `toInstant` non-decreasing in its argument, which the schedule search relies on.
 */
export interface Zone {
  /** The id as written in the policy. */
  readonly id: string;
  /** Returns the zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
  offsetAt(epochMs: number): number;
  /** Returns the instant of a wall-clock time given in wall milliseconds. */
  toInstant(wallMs: number): number;
}

/**
 * Java's deprecated three-letter zone ids and its `SystemV/` ids. They are ambiguous (IST reads as
 * India, Ireland or Israel time), ICU still maps each to one region, and Ranger's
 * RangerValidityScheduleValidator rejects the same list, so openraz rejects them too.
 */
const AMBIGUOUS_ZONE_IDS = new Set([
  'ACT', 'AET', 'AGT', 'ART', 'AST', 'BET', 'BST', 'CAT', 'CNT', 'CST', 'CTT', 'EAT', 'ECT',
  'IET', 'IST', 'JST', 'MIT', 'NET', 'NST', 'PLT', 'PNT', 'PRT', 'PST', 'SST', 'VST',
]);

/** Java's custom zone ids: `GMT+h`, `GMT+hh`, `GMT+hh:mm` or `GMT+hhmm` (hours 0-23, minutes 0-59). */
const GMT_OFFSET_PATTERN = /^GMT([+-])(?:(\d{1,2})(?::(\d{2}))?|(\d{2})(\d{2}))$/;

/**
 * Parses a time zone id: an IANA name, `UTC`, `GMT`, or a Java-style fixed offset such as
 * `GMT+05:30` or `GMT-8`.
 *
 * @returns the zone, or a message naming the id and the accepted forms.
 */
export function parseZone(id: string): Zone | string {
  if (id === 'UTC' || id === 'GMT') return fixedZone(id, 0);

  const offset = GMT_OFFSET_PATTERN.exec(id);
  if (offset !== null) {
    const [, sign, hoursText, minutesText, packedHours, packedMinutes] = offset;
    const hours = Number(hoursText ?? packedHours);
    const minutes = Number(minutesText ?? packedMinutes ?? '0');
    if (hours > 23 || minutes > 59) return `invalid time zone "${id}": the offset must be at most 23:59`;
    return fixedZone(id, (sign === '-' ? -1 : 1) * (hours * MS_PER_HOUR + minutes * MS_PER_MINUTE));
  }

  if (AMBIGUOUS_ZONE_IDS.has(id) || id.startsWith('SystemV/')) {
    return `ambiguous time zone "${id}"; write ${TIME_ZONE_FORMS}`;
  }
  if (/^UTC[+-]/.test(id)) return `invalid time zone "${id}"; write the offset as "GMT${id.slice(3)}"`;

  const known = ianaZones.get(id);
  if (known !== undefined) return known;

  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return `unknown time zone "${id}"; write ${TIME_ZONE_FORMS}`;
  }
  const zone = ianaZone(id, format);
  ianaZones.set(id, zone);
  return zone;
}

/**
 * IANA zones by id, shared by every policy load, because creating an `Intl.DateTimeFormat` costs
 * far more than evaluating a schedule and the day cache can then be reused. Only ids that ICU
 * accepted are stored, so the map grows only with the zone ids that policies name.
 */
const ianaZones = new Map<string, Zone>();

/** Returns the wall milliseconds of calendar fields, with month 1-12. Unlike `Date.UTC`, it keeps years 0-99 as written. */
export function wallMsOf(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** Returns the day number (days since 1970-01-01) of a calendar date, with month 1-12. */
export function daysFromCivil(year: number, month: number, day: number): number {
  return Math.floor(wallMsOf(year, month, day) / MS_PER_DAY);
}

/** Converts a day number (days since 1970-01-01) to its calendar date, with month 1-12. */
export function civilFromDays(dayNumber: number): { year: number; month: number; day: number } {
  // Integer arithmetic over 400-year eras of 146,097 days, with years starting on March 1 so that
  // the leap day falls at the end of a year.
  const shifted = dayNumber + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Returns the weekday of a day number, 0 for Sunday to 6 for Saturday. */
export function weekdayOfDays(dayNumber: number): number {
  // 1970-01-01 was a Thursday.
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/** Returns the non-negative remainder, as in modular arithmetic. */
export function modulo(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

function fixedZone(id: string, offsetMs: number): Zone {
  return {
    id,
    offsetAt: () => offsetMs,
    toInstant: (wallMs) => wallMs - offsetMs,
  };
}

/**
 * The offsets in force for the wall-clock times of one day. `transition` is the instant at which
 * `before` changes to `after`, and is absent when both are equal.
 */
interface DayOffsets {
  before: number;
  after: number;
  transition?: number;
}

/** The number of cached days at which a zone clears its day cache. */
const MAX_CACHED_DAYS = 1024;

function ianaZone(id: string, format: Intl.DateTimeFormat): Zone {
  const dayCache = new Map<number, DayOffsets>();

  const offsetsForDay = (dayNumber: number): DayOffsets => {
    const cached = dayCache.get(dayNumber);
    if (cached !== undefined) return cached;

    // Offsets lie within -12 h and +14 h, so the probes enclose every instant of this UTC day and
    // every instant whose wall-clock time falls on this date.
    // NOTE: two transitions within these three days would go unnoticed. Sampling Node 20's ICU zones
    // (tz 2025c) daily from 1970 to 2037 found no two offset changes less than four days apart.
    const low = dayNumber * MS_PER_DAY - MS_PER_DAY;
    const high = dayNumber * MS_PER_DAY + 2 * MS_PER_DAY;
    const offsets: DayOffsets = { before: readOffset(format, low), after: readOffset(format, high) };
    if (offsets.before !== offsets.after) offsets.transition = findTransition(format, low, high, offsets.before);

    if (dayCache.size >= MAX_CACHED_DAYS) dayCache.clear();
    dayCache.set(dayNumber, offsets);
    return offsets;
  };

  return {
    id,
    offsetAt: (epochMs) => {
      const offsets = offsetsForDay(Math.floor(epochMs / MS_PER_DAY));
      return offsets.transition === undefined || epochMs < offsets.transition ? offsets.before : offsets.after;
    },
    toInstant: (wallMs) => resolveWallTime(wallMs, offsetsForDay(Math.floor(wallMs / MS_PER_DAY))),
  };
}

/** Reads a zone's offset at an instant from ICU; each call costs several microseconds, hence the day cache. */
function readOffset(format: Intl.DateTimeFormat, epochMs: number): number {
  // Intl formats whole seconds, so the offset is measured against the instant without its milliseconds.
  const seconds = Math.floor(epochMs / 1000) * 1000;
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of format.formatToParts(seconds)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  return wallMsOf(fields.year, fields.month, fields.day, fields.hour, fields.minute, fields.second) - seconds;
}

/** Returns the first whole second after `low` at which the offset is no longer `before`. */
function findTransition(format: Intl.DateTimeFormat, low: number, high: number, before: number): number {
  let lowSecond = low / 1000;
  let highSecond = high / 1000;
  while (highSecond - lowSecond > 1) {
    const middle = Math.floor((lowSecond + highSecond) / 2);
    if (readOffset(format, middle * 1000) === before) lowSecond = middle;
    else highSecond = middle;
  }
  return highSecond * 1000;
}

function resolveWallTime(wallMs: number, offsets: DayOffsets): number {
  if (offsets.transition === undefined) return wallMs - offsets.before;

  const beforeInstant = wallMs - offsets.before;
  const afterInstant = wallMs - offsets.after;
  const validBefore = beforeInstant < offsets.transition;
  const validAfter = afterInstant >= offsets.transition;
  if (validBefore && validAfter) return Math.min(beforeInstant, afterInstant);
  if (validBefore) return beforeInstant;
  if (validAfter) return afterInstant;
  return offsets.transition;
}
