import { MS_PER_DAY, MS_PER_MINUTE, TIME_ZONE_FORMS, modulo, parseZone, type Zone } from './zoned-time.js';

/** Examples of valid values, quoted in messages. */
const TIME_OF_DAY_FORMS = `"09:00-17:00 Europe/Berlin" or "9:30am-5pm America/New_York", with ${TIME_ZONE_FORMS}`;

/** One endpoint: a 24-hour `H:MM`/`HH:MM`, or a 12-hour `9am`, `9:30 PM` or `9 a.m.`. */
const CLOCK = String.raw`\d{1,2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?`;
const RANGE_PATTERN = new RegExp(String.raw`^(${CLOCK})\s*-\s*(${CLOCK})$`, 'i');
const CLOCK_12_PATTERN = /^(\d{1,2})(?::(\d{2}))?\s*([ap])\.?m\.?$/i;
const CLOCK_24_PATTERN = /^(\d{1,2}):(\d{2})$/;

interface TimeRange {
  zone: Zone;
  /** Milliseconds after local midnight, inclusive. */
  startMs: number;
  /** Milliseconds after local midnight, exclusive. It is smaller than `startMs` when the range crosses midnight. */
  endMs: number;
}

/**
 * Compiles a time-of-day condition, or returns a problem string that names the invalid value and the accepted forms.
 *
 * Each value is a range of wall-clock times and a mandatory time zone, such as
 * `"09:00-17:00 Europe/Berlin"` or `"9:30 AM - 5 PM GMT-8"`, and the request matches when any
 * value matches. The start is inclusive and the end exclusive. A range whose end is earlier than its
 * start crosses midnight (`"22:00-06:00 UTC"`), and `24:00` may end a range. Ranger's own
 * condition reads the JVM's zone and includes the end minute, while openraz needs the zone written out.
 */
export function compileTimeOfDay(values: readonly string[]): { matches(now: Date): boolean } | string {
  if (values.length === 0) return `a time-of-day condition needs at least one value, such as ${TIME_OF_DAY_FORMS}`;

  const ranges: TimeRange[] = [];
  for (const value of values) {
    const range = parseTimeRange(value);
    if (typeof range === 'string') return range;
    ranges.push(range);
  }
  return { matches: (now) => ranges.some((range) => isWithin(range, now.getTime())) };
}

function parseTimeRange(value: string): TimeRange | string {
  const text = value.trim();
  if (RANGE_PATTERN.test(text)) {
    return `time-of-day value "${value}" has no time zone; append one, as in ${TIME_OF_DAY_FORMS}`;
  }
  const split = /^(.*\S)\s+(\S+)$/.exec(text);
  const range = split === null ? null : RANGE_PATTERN.exec(split[1]!);
  if (split === null || range === null) {
    return `invalid time-of-day value "${value}"; write a time range and a time zone, such as ${TIME_OF_DAY_FORMS}`;
  }

  const zone = parseZone(split[2]!);
  if (typeof zone === 'string') return `invalid time-of-day value "${value}": ${zone}`;

  const startMinutes = parseClock(range[1]!, false);
  const endMinutes = parseClock(range[2]!, true);
  if (startMinutes === undefined || endMinutes === undefined) {
    const invalidClock = startMinutes === undefined ? range[1] : range[2];
    return `invalid time-of-day value "${value}": "${invalidClock}" is not a time; write 00:00 to 23:59 (24:00 may end a range) or 12am to 11:59pm`;
  }
  if (startMinutes === endMinutes % (24 * 60)) {
    return `invalid time-of-day value "${value}": the range is empty because it starts where it ends; for the whole day write "00:00-24:00 ${zone.id}"`;
  }
  return { zone, startMs: startMinutes * MS_PER_MINUTE, endMs: endMinutes * MS_PER_MINUTE };
}

/** Returns minutes after midnight, or `undefined` for an impossible time. `24:00` is accepted only as an end. */
function parseClock(text: string, isEnd: boolean): number | undefined {
  const twelveHour = CLOCK_12_PATTERN.exec(text);
  if (twelveHour !== null) {
    const hour = Number(twelveHour[1]);
    const minute = Number(twelveHour[2] ?? '0');
    if (hour < 1 || hour > 12 || minute > 59) return undefined;
    const isPm = twelveHour[3]!.toLowerCase() === 'p';
    return ((hour % 12) + (isPm ? 12 : 0)) * 60 + minute;
  }

  const twentyFourHour = CLOCK_24_PATTERN.exec(text);
  if (twentyFourHour === null) return undefined;
  const hour = Number(twentyFourHour[1]);
  const minute = Number(twentyFourHour[2]);
  if (isEnd && hour === 24 && minute === 0) return 24 * 60;
  if (hour > 23 || minute > 59) return undefined;
  return hour * 60 + minute;
}

function isWithin(range: TimeRange, nowMs: number): boolean {
  const msOfDay = modulo(nowMs + range.zone.offsetAt(nowMs), MS_PER_DAY);
  if (range.startMs < range.endMs) return msOfDay >= range.startMs && msOfDay < range.endMs;
  return msOfDay >= range.startMs || msOfDay < range.endMs;
}
