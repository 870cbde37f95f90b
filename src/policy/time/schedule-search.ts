/**
 * The compiled form of validity schedules and the search for a running occurrence. The
 * compiler in validity-schedule.ts builds these; evaluation reads them per request.
 */
import { MS_PER_DAY, MS_PER_MINUTE, civilFromDays, daysFromCivil, modulo, weekdayOfDays, type Zone } from './zoned-time.js';

export type ValueSet = (value: number) => boolean;

export interface Recurrence {
  /** The matching start times of a day, in minutes after midnight, ascending. */
  minutesOfDay: readonly number[];
  /** For each day of the month d (1-31), the latest allowed day up to d, or 0. Absent when dayOfMonth is blank. */
  latestDayOfMonth: readonly number[] | undefined;
  /** Allowed weekdays, indexed 0 for Sunday to 6. Absent when dayOfWeek is blank. */
  weekdays: readonly boolean[] | undefined;
  /** For each month m (1-12), the latest allowed month up to m, or 0. */
  latestMonth: readonly number[];
  years: ValueSet;
  /** Calendar days of the interval, added to the start's wall-clock time. */
  intervalDays: number;
  /** Hours and minutes of the interval, added as elapsed time after the days. */
  intervalMs: number;
  /** How many days before today a still-running occurrence can have started. */
  lookbackDays: number;
}

export interface Schedule {
  zone: Zone;
  start: number | undefined;
  /** The day number of the start's wall-clock date; occurrences on earlier dates start too early. */
  startDay: number | undefined;
  end: number | undefined;
  recurrences: readonly Recurrence[];
}

export function isScheduleActive(schedule: Schedule, nowMs: number): boolean {
  if (schedule.start !== undefined && nowMs < schedule.start) return false;
  if (schedule.end !== undefined && nowMs >= schedule.end) return false;
  if (schedule.recurrences.length === 0) return true;
  return schedule.recurrences.some((recurrence) => isRecurrenceActive(recurrence, schedule, nowMs));
}

/**
 * Finds the latest occurrence that started at or before `now` and checks that it still runs.
 * Earlier occurrences cannot run longer: all have the same interval and `toInstant` is non-decreasing.
 */
function isRecurrenceActive(recurrence: Recurrence, schedule: Schedule, nowMs: number): boolean {
  const { zone } = schedule;
  const today = Math.floor((nowMs + zone.offsetAt(nowMs)) / MS_PER_DAY);
  const earliestDay = Math.max(today - recurrence.lookbackDays, schedule.startDay ?? -Infinity);

  // The search starts at tomorrow's date: when clocks fall back at midnight, its first minutes can precede now.
  let searchFrom = today + 1;
  for (;;) {
    const dayNumber = latestMatchingDay(recurrence, searchFrom, earliestDay);
    if (dayNumber === undefined) return false;
    const startWall = latestStartOnDay(recurrence, zone, dayNumber, nowMs);
    if (startWall !== undefined) {
      if (schedule.start !== undefined && zone.toInstant(startWall) < schedule.start) return false;
      const endMs = zone.toInstant(startWall + recurrence.intervalDays * MS_PER_DAY) + recurrence.intervalMs;
      return nowMs < endMs;
    }
    searchFrom = dayNumber - 1;
  }
}

/**
 * Returns the latest day number from `earliestDay` to `dayNumber` whose date matches. It jumps over
 * years and months that do not match, so the cost grows with matching months, not with days.
 */
function latestMatchingDay(recurrence: Recurrence, dayNumber: number, earliestDay: number): number | undefined {
  let current = dayNumber;
  while (current >= earliestDay) {
    const { year, month, day } = civilFromDays(current);
    const allowedMonth = recurrence.latestMonth[month]!;
    if (!recurrence.years(year) || allowedMonth === 0) {
      current = daysFromCivil(year, 1, 1) - 1;
    } else if (allowedMonth !== month) {
      current = daysFromCivil(year, allowedMonth + 1, 1) - 1;
    } else {
      const match = latestMatchingDayInMonth(recurrence, current, day);
      if (match !== undefined) return match >= earliestDay ? match : undefined;
      current -= day;
    }
  }
  return undefined;
}

/** Returns the latest day number from the first of the month to `dayNumber` (day `day` of its month) that matches. */
function latestMatchingDayInMonth(recurrence: Recurrence, dayNumber: number, day: number): number | undefined {
  const allowedDay = recurrence.latestDayOfMonth?.[day] ?? 0;
  let match = allowedDay > 0 ? dayNumber - (day - allowedDay) : undefined;

  if (recurrence.weekdays !== undefined) {
    const weekday = weekdayOfDays(dayNumber);
    for (let back = 0; back < Math.min(7, day); back++) {
      if (!recurrence.weekdays[modulo(weekday - back, 7)]) continue;
      match = Math.max(match ?? -Infinity, dayNumber - back);
      break;
    }
  }
  return match;
}

/** Returns the wall milliseconds of the day's latest start at or before `now`, by binary search. */
function latestStartOnDay(recurrence: Recurrence, zone: Zone, dayNumber: number, nowMs: number): number | undefined {
  const { minutesOfDay } = recurrence;
  const wallAt = (index: number): number => dayNumber * MS_PER_DAY + minutesOfDay[index]! * MS_PER_MINUTE;

  if (zone.toInstant(wallAt(0)) > nowMs) return undefined;

  let low = 1;
  let high = minutesOfDay.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (zone.toInstant(wallAt(middle)) <= nowMs) low = middle + 1;
    else high = middle;
  }
  return wallAt(low - 1);
}
