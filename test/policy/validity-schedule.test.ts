import t, { type Test } from 'tap';
import fc from 'fast-check';
import { compileValiditySchedules, type ValiditySchedulePredicate } from '../../src/policy/time/index.js';

type Expectation = [instant: string, active: boolean];

function compile(schedules: unknown[]): ValiditySchedulePredicate {
  const { predicate, problems } = compileValiditySchedules(schedules);
  if (predicate === undefined) throw new Error(`expected a predicate, got problems ${JSON.stringify(problems)}`);
  return predicate;
}

function checkInstants(t: Test, schedules: unknown[], expectations: Expectation[]): void {
  const predicate = compile(schedules);
  for (const [instant, active] of expectations) {
    t.equal(predicate.isActive(new Date(instant)), active, `${instant} ${active ? 'active' : 'inactive'}`);
  }
}

/** Builds one schedule with one recurrence. Fields absent from `schedule` default to `*`, and dayOfMonth to blank. */
function recurring(schedule: Record<string, string>, interval: Record<string, number>, extra: Record<string, unknown> = {}): unknown[] {
  const fields = { minute: '*', hour: '*', dayOfMonth: '', dayOfWeek: '*', month: '*', year: '*', ...schedule };
  return [{ ...extra, recurrences: [{ schedule: fields, interval }] }];
}

const mondayNineForEightHours = recurring({ minute: '0', hour: '9', dayOfWeek: '2' }, { hours: 8 }, { timeZone: 'Europe/Berlin' });

t.test('bounds without recurrences', async (t) => {
  checkInstants(t, [{ startTime: '2026/03/01 00:00:00', endTime: '2026/04/01 00:00:00', timeZone: 'Europe/Berlin' }], [
    ['2026-02-28T22:59:59.999Z', false],
    ['2026-02-28T23:00:00Z', true], // 00:00 CET
    ['2026-03-31T21:59:59.999Z', true], // 23:59:59 CEST
    ['2026-03-31T22:00:00Z', false], // the end is exclusive
  ]);
});

t.test('open bounds', async (t) => {
  checkInstants(t, [{ startTime: '2026/01/01 00:00:00', endTime: '' }], [
    ['2025-12-31T23:59:59Z', false],
    ['2099-01-01T00:00:00Z', true],
  ]);
  checkInstants(t, [{ endTime: '2026/01/01 00:00:00' }], [
    ['1999-01-01T00:00:00Z', true],
    ['2026-01-01T00:00:00Z', false],
  ]);
});

t.test('default and fixed-offset zones', async (t) => {
  const cases: [timeZone: string | undefined, start: string][] = [
    [undefined, '2026-01-01T00:00:00Z'],
    ['', '2026-01-01T00:00:00Z'],
    ['UTC', '2026-01-01T00:00:00Z'],
    ['GMT+05:30', '2025-12-31T18:30:00Z'],
    ['GMT+0530', '2025-12-31T18:30:00Z'],
    ['GMT-8', '2026-01-01T08:00:00Z'],
    ['America/Los_Angeles', '2026-01-01T08:00:00Z'],
  ];
  for (const [timeZone, start] of cases) {
    const predicate = compile([{ startTime: '2026/01/01 00:00:00', timeZone }]);
    const startMs = Date.parse(start);
    t.equal(predicate.isActive(new Date(startMs - 1)), false, `${timeZone}: inactive just before ${start}`);
    t.equal(predicate.isActive(new Date(startMs)), true, `${timeZone}: active at ${start}`);
  }
});

t.test('weekly recurrence across DST', async (t) => {
  checkInstants(t, mondayNineForEightHours, [
    ['2026-03-23T07:59:59Z', false], // Monday 08:59:59 CET
    ['2026-03-23T08:00:00Z', true], // Monday 09:00 CET
    ['2026-03-23T15:59:59Z', true],
    ['2026-03-23T16:00:00Z', false], // 17:00 CET
    ['2026-03-29T08:00:00Z', false], // Sunday, the day clocks move forward
    ['2026-03-30T06:59:59Z', false], // Monday 08:59:59 CEST
    ['2026-03-30T07:00:00Z', true], // Monday 09:00 CEST
    ['2026-03-30T14:59:59Z', true],
    ['2026-03-30T15:00:00Z', false], // 17:00 CEST
  ]);
});

t.test('interval days are calendar days', async (t) => {
  // Monday 09:00 CET plus 6 days is Sunday 09:00 CEST (07:00Z), and 23 elapsed hours later it is Monday 06:00Z.
  const schedules = recurring({ minute: '0', hour: '9', dayOfWeek: '2' }, { days: 6, hours: 23 }, { timeZone: 'Europe/Berlin' });
  checkInstants(t, schedules, [
    ['2026-03-30T05:59:59Z', true],
    ['2026-03-30T06:00:00Z', false],
    ['2026-03-30T06:59:59Z', false],
    ['2026-03-30T07:00:00Z', true],
  ]);
});

t.test('start in a DST gap', async (t) => {
  // 02:30 does not exist on 2026-03-29 in Berlin, so it resolves to 03:00 CEST (01:00Z).
  const schedules = recurring({ minute: '30', hour: '2', dayOfMonth: '*' }, { hours: 1 }, { timeZone: 'Europe/Berlin' });
  checkInstants(t, schedules, [
    ['2026-03-29T00:59:59Z', false],
    ['2026-03-29T01:00:00Z', true],
    ['2026-03-29T01:59:59Z', true],
    ['2026-03-29T02:00:00Z', false],
    ['2026-03-30T00:30:00Z', true], // 02:30 CEST the next day
  ]);
});

t.test('ambiguous start takes the earlier instant', async (t) => {
  // 02:30 occurs twice on 2026-10-25 in Berlin, and the first one, 02:30 CEST, is 00:30Z.
  const schedules = recurring({ minute: '30', hour: '2', dayOfMonth: '*' }, { hours: 1 }, { timeZone: 'Europe/Berlin' });
  checkInstants(t, schedules, [
    ['2026-10-25T00:29:59Z', false],
    ['2026-10-25T00:30:00Z', true],
    ['2026-10-25T01:29:59Z', true],
    ['2026-10-25T01:30:00Z', false], // 02:30 CET, the second 02:30, starts nothing
    ['2026-10-26T01:30:00Z', true], // 02:30 CET the next day
  ]);
});

t.test('startTime in a DST gap', async (t) => {
  checkInstants(t, [{ startTime: '2026/03/29 02:30:00', timeZone: 'Europe/Berlin' }], [
    ['2026-03-29T00:59:59Z', false],
    ['2026-03-29T01:00:00Z', true],
  ]);
});

t.test('day of month or day of week', async (t) => {
  // The 1st of each month or each Wednesday (4), 12:00 UTC for an hour.
  const schedules = recurring({ minute: '0', hour: '12', dayOfMonth: '1', dayOfWeek: '4' }, { hours: 1 });
  checkInstants(t, schedules, [
    ['2026-05-01T12:00:00Z', true], // Friday the 1st
    ['2026-05-01T13:00:00Z', false],
    ['2026-05-06T12:30:00Z', true], // Wednesday
    ['2026-05-07T12:30:00Z', false], // Thursday
  ]);
});

t.test('star dayOfMonth makes every day match', async (t) => {
  // Ranger joins the two day fields with "or", so "*" there overrides dayOfWeek.
  const schedules = recurring({ minute: '0', hour: '12', dayOfMonth: '*', dayOfWeek: '2' }, { hours: 1 });
  checkInstants(t, schedules, [['2026-03-31T12:30:00Z', true]]); // Tuesday
});

t.test('months from 1, weekdays from Sunday', async (t) => {
  const leapDay = recurring({ minute: '0', hour: '0', dayOfMonth: '29', dayOfWeek: '', month: '2' }, { days: 1 });
  checkInstants(t, leapDay, [
    ['2028-02-29T12:00:00Z', true],
    ['2026-02-28T12:00:00Z', false],
    ['2028-03-29T12:00:00Z', false],
  ]);
  const sundays = recurring({ minute: '0', hour: '0', dayOfWeek: '1' }, { days: 1 });
  checkInstants(t, sundays, [
    ['2026-03-29T12:00:00Z', true], // Sunday
    ['2026-03-30T12:00:00Z', false], // Monday
  ]);
});

t.test('year restricts occurrences', async (t) => {
  checkInstants(t, recurring({ year: '2027' }, { minutes: 1 }), [
    ['2026-06-01T12:00:00Z', false],
    ['2027-06-01T12:00:00Z', true],
  ]);
});

t.test('minute lists and hour ranges', async (t) => {
  checkInstants(t, recurring({ minute: '0, 30', hour: '9-10' }, { minutes: 15 }), [
    ['2026-06-01T08:59:59Z', false],
    ['2026-06-01T09:00:00Z', true],
    ['2026-06-01T09:14:59Z', true],
    ['2026-06-01T09:15:00Z', false],
    ['2026-06-01T09:30:00Z', true],
    ['2026-06-01T10:44:59Z', true],
    ['2026-06-01T10:45:00Z', false],
    ['2026-06-01T11:00:00Z', false],
  ]);
});

t.test('occurrence before startTime', async (t) => {
  // The 09:00 occurrence on 2026-03-30 starts before startTime, so it does not count.
  const schedules = recurring({ minute: '0', hour: '9', dayOfWeek: '2' }, { hours: 8 }, { timeZone: 'Europe/Berlin', startTime: '2026/03/30 10:00:00' });
  checkInstants(t, schedules, [
    ['2026-03-30T09:00:00Z', false],
    ['2026-04-06T07:00:00Z', true],
  ]);
});

t.test('long interval spans years', async (t) => {
  // Starts 2025-12-31 00:00 UTC and lasts 400 days, until 2027-02-04 00:00 UTC.
  const schedules = recurring({ minute: '0', hour: '0', dayOfMonth: '31', dayOfWeek: '', month: '12', year: '2025' }, { days: 400 });
  checkInstants(t, schedules, [
    ['2025-12-30T23:59:59Z', false],
    ['2026-06-01T00:00:00Z', true],
    ['2027-02-03T23:59:59Z', true],
    ['2027-02-04T00:00:00Z', false],
  ]);
});

t.test('any schedule applies', async (t) => {
  const schedules = [
    { startTime: '2026/01/01 00:00:00', endTime: '2026/02/01 00:00:00' },
    { startTime: '2026/03/01 00:00:00', endTime: '2026/04/01 00:00:00' },
  ];
  checkInstants(t, schedules, [
    ['2026-01-15T00:00:00Z', true],
    ['2026-02-15T00:00:00Z', false],
    ['2026-03-15T00:00:00Z', true],
  ]);
});

t.test('empty list restricts nothing', async (t) => {
  const { predicate, problems } = compileValiditySchedules([]);
  t.equal(predicate, undefined);
  t.same(problems, []);
});

t.test('invalid schedules', async (t) => {
  const recurrence = (schedule: Record<string, unknown>, interval: unknown = { hours: 1 }) => [
    { recurrences: [{ schedule: { minute: '0', hour: '9', dayOfWeek: '2', month: '*', year: '*', ...schedule }, interval }] },
  ];
  const cases: [name: string, schedules: unknown[], pointers: string[], message: RegExp][] = [
    ['date format', [{ startTime: '2026-03-30 09:00' }], ['/0/startTime'], /invalid date "2026-03-30 09:00"; write yyyy\/MM\/dd HH:mm:ss/],
    ['impossible date', [{ startTime: '2026/02/30 00:00:00' }], ['/0/startTime'], /invalid date/],
    ['end before start', [{ startTime: '2026/03/02 00:00:00', endTime: '2026/03/01 00:00:00' }], ['/0/endTime'], /must be later than startTime/],
    ['end equals start', [{ startTime: '2026/03/01 00:00:00', endTime: '2026/03/01 00:00:00' }], ['/0/endTime'], /must be later/],
    ['unknown zone', [{ startTime: '2026/03/01 00:00:00', timeZone: 'Mars/Olympus' }], ['/0/timeZone'], /unknown time zone "Mars\/Olympus"/],
    ['ambiguous zone', [{ startTime: '2026/03/01 00:00:00', timeZone: 'PST' }], ['/0/timeZone'], /ambiguous time zone "PST"/],
    ['UTC offset', [{ startTime: '2026/03/01 00:00:00', timeZone: 'UTC+5' }], ['/0/timeZone'], /write the offset as "GMT\+5"/],
    ['offset too large', [{ startTime: '2026/03/01 00:00:00', timeZone: 'GMT+24' }], ['/0/timeZone'], /at most 23:59/],
    ['empty schedule', [{}], ['/0'], /empty; set startTime, endTime or recurrences/],
    ['not an object', ['2026/03/01 00:00:00'], ['/0'], /must be an object/],
    ['unknown field', [{ startTime: '2026/03/01 00:00:00', timezone: 'UTC' }], ['/0/timezone'], /unknown field "timezone"/],
    ['recurrences not array', [{ recurrences: {} }], ['/0/recurrences', '/0'], /must be an array/],
    ['hour out of range', recurrence({ hour: '25' }), ['/0/recurrences/0/schedule/hour'], /invalid hour "25"; write "\*", a value from 0 to 23/],
    ['reversed range', recurrence({ hour: '9-8' }), ['/0/recurrences/0/schedule/hour'], /invalid hour "9-8"/],
    ['step syntax', recurrence({ minute: '*/5' }), ['/0/recurrences/0/schedule/minute'], /invalid minute/],
    ['weekday zero', recurrence({ dayOfWeek: '0' }), ['/0/recurrences/0/schedule/dayOfWeek'], /from 1 to 7/],
    ['month thirteen', recurrence({ month: '13' }), ['/0/recurrences/0/schedule/month'], /from 1 to 12/],
    ['missing minute', recurrence({ minute: undefined }), ['/0/recurrences/0/schedule/minute'], /missing minute/],
    ['both days blank', recurrence({ dayOfWeek: ' ' }), ['/0/recurrences/0/schedule'], /dayOfMonth and dayOfWeek are both empty/],
    ['missing schedule', [{ recurrences: [{ interval: { hours: 1 } }] }], ['/0/recurrences/0/schedule'], /missing schedule/],
    ['missing interval', [{ recurrences: [{ schedule: { minute: '0', hour: '9', dayOfWeek: '2', month: '*', year: '*' } }] }], ['/0/recurrences/0/interval'], /missing interval/],
    ['zero interval', recurrence({}, { days: 0 }), ['/0/recurrences/0/interval'], /the interval is zero/],
    ['interval hours', recurrence({}, { hours: 24 }), ['/0/recurrences/0/interval/hours'], /from 0 to 23/],
    ['negative days', recurrence({}, { days: -1 }), ['/0/recurrences/0/interval/days'], /invalid interval days -1/],
    ['too many days', recurrence({}, { days: 4000 }), ['/0/recurrences/0/interval/days'], /or use startTime and endTime for longer periods/],
    ['second schedule', [{ startTime: '2026/03/01 00:00:00' }, { endTime: 'soon' }], ['/1/endTime'], /invalid date "soon"/],
  ];
  for (const [name, schedules, pointers, message] of cases) {
    const { predicate, problems } = compileValiditySchedules(schedules);
    t.equal(predicate, undefined, `${name}: no predicate`);
    t.same(problems.map((problem) => problem.pointer), pointers, `${name}: pointers`);
    t.match(problems[0]?.message, message, `${name}: message`);
  }
});

t.test('every problem is reported', async (t) => {
  const { problems } = compileValiditySchedules([{ startTime: 'today', endTime: 'tomorrow', timeZone: 'Nowhere' }]);
  t.same(problems.map((problem) => problem.pointer), ['/0/timeZone', '/0/startTime', '/0/endTime']);
});

/**
 * A brute-force reference: it enumerates every candidate minute near `now`, resolves each wall
 * time by asking Intl directly, and checks every occurrence instead of only the latest.
 */
class ReferenceSchedule {
  private readonly format: Intl.DateTimeFormat;
  private readonly resolved = new Map<number, number>();

  constructor(
    private readonly timeZone: string,
    private readonly fields: Record<'minute' | 'hour' | 'dayOfMonth' | 'dayOfWeek', number[] | undefined>,
    private readonly interval: { days: number; hours: number; minutes: number },
  ) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  isActive(nowMs: number): boolean {
    const minute = 60_000;
    const day = 86_400_000;
    const nowWall = this.wallOf(nowMs);
    const firstWall = Math.floor((nowWall - (this.interval.days + 2) * day) / minute) * minute;
    for (let wall = firstWall; wall <= nowWall + day; wall += minute) {
      if (!this.matches(new Date(wall))) continue;
      const start = this.toInstant(wall);
      const end = this.toInstant(wall + this.interval.days * day) + (this.interval.hours * 60 + this.interval.minutes) * minute;
      if (start <= nowMs && nowMs < end) return true;
    }
    return false;
  }

  private matches(wall: Date): boolean {
    const { minute, hour, dayOfMonth, dayOfWeek } = this.fields;
    if (!minute!.includes(wall.getUTCMinutes()) || !hour!.includes(wall.getUTCHours())) return false;
    return dayOfMonth?.includes(wall.getUTCDate()) === true || dayOfWeek?.includes(wall.getUTCDay() + 1) === true;
  }

  private wallOf(instant: number): number {
    const fields: Record<string, number> = {};
    for (const part of this.format.formatToParts(instant)) fields[part.type] = Number(part.value);
    return Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
  }

  /** Returns the earliest instant showing `wall`, or for a wall time the clock skips, the first instant after it. */
  private toInstant(wall: number): number {
    const cached = this.resolved.get(wall);
    if (cached !== undefined) return cached;

    const hour = 3_600_000;
    const offsets = new Set<number>();
    for (let probe = wall - 15 * hour; probe <= wall + 15 * hour; probe += hour) offsets.add(this.wallOf(probe) - probe);
    const exact = [...offsets].map((offset) => wall - offset).filter((instant) => this.wallOf(instant) === wall);
    let instant = Math.min(...exact);
    if (exact.length === 0) {
      instant = wall - Math.max(...offsets);
      while (this.wallOf(instant) < wall) instant += 60_000;
    }
    this.resolved.set(wall, instant);
    return instant;
  }
}

t.test('agrees with a brute-force reference', async (t) => {
  // The reference reads Asia/Kolkata (+05:30, no DST) for GMT+05:30, which Intl does not accept.
  const referenceZones: Record<string, string> = { 'GMT+05:30': 'Asia/Kolkata' };
  // DST changes: Berlin and Los Angeles at 02:00, Santiago at midnight, Lord Howe by 30 minutes.
  const transitions: [timeZone: string, instant: string][] = [
    ['Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['Europe/Berlin', '2026-10-25T01:00:00Z'],
    ['America/Los_Angeles', '2026-03-08T10:00:00Z'],
    ['America/Los_Angeles', '2026-11-01T09:00:00Z'],
    ['America/Santiago', '2026-04-05T03:00:00Z'],
    ['America/Santiago', '2026-09-06T04:00:00Z'],
    ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
    ['GMT+05:30', '2026-06-01T00:00:00Z'],
  ];
  const values = (pool: number[]) => fc.uniqueArray(fc.constantFrom(...pool), { minLength: 1, maxLength: 3 });
  const days = (pool: number[]) => fc.option(values(pool), { nil: undefined });
  const scenario = fc
    .record({
      transition: fc.constantFrom(...transitions),
      shiftMinutes: fc.integer({ min: -3 * 1440, max: 2 * 1440 }),
      minute: values([0, 1, 15, 29, 30, 45, 59]),
      hour: values([0, 1, 2, 3, 9, 22, 23]),
      dayOfMonth: days([1, 4, 5, 8, 25, 29, 31]),
      dayOfWeek: days([1, 2, 3, 4, 5, 6, 7]),
      interval: fc.record({ days: fc.integer({ min: 0, max: 1 }), hours: fc.integer({ min: 0, max: 23 }), minutes: fc.integer({ min: 0, max: 59 }) }),
    })
    .filter((s) => (s.dayOfMonth !== undefined || s.dayOfWeek !== undefined) && s.interval.days + s.interval.hours + s.interval.minutes > 0);

  fc.assert(
    fc.property(scenario, (s) => {
      const [timeZone, transition] = s.transition;
      const schedule = {
        minute: s.minute.join(','),
        hour: s.hour.join(','),
        dayOfMonth: s.dayOfMonth?.join(',') ?? '',
        dayOfWeek: s.dayOfWeek?.join(',') ?? '',
        month: '*',
        year: '*',
      };
      const predicate = compile([{ timeZone, recurrences: [{ schedule, interval: s.interval }] }]);
      const reference = new ReferenceSchedule(referenceZones[timeZone] ?? timeZone, s, s.interval);
      const nowMs = Date.parse(transition) + s.shiftMinutes * 60_000 + 30_000;
      for (const instant of [nowMs - 30_000, nowMs, nowMs + 29_999]) {
        if (predicate.isActive(new Date(instant)) !== reference.isActive(instant)) return false;
      }
      return true;
    }),
    { seed: 20_260_329, numRuns: 300 },
  );
  t.pass('no counterexample');
});
