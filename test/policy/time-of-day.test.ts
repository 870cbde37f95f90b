import t, { type Test } from 'tap';
import { compileTimeOfDay } from '../../src/policy/time/index.js';

type Expectation = [instant: string, matches: boolean];

function checkInstants(t: Test, values: string[], expectations: Expectation[]): void {
  const condition = compileTimeOfDay(values);
  if (typeof condition === 'string') {
    t.fail(`${values.join(' | ')}: unexpected problem ${condition}`);
    return;
  }
  for (const [instant, matches] of expectations) {
    t.equal(condition.matches(new Date(instant)), matches, `${values.join(' | ')} at ${instant}`);
  }
}

t.test('24-hour range with a zone', async (t) => {
  checkInstants(t, ['09:00-17:00 Europe/Berlin'], [
    ['2026-01-15T07:59:59Z', false], // 08:59:59 CET
    ['2026-01-15T08:00:00Z', true], // 09:00 CET
    ['2026-01-15T15:59:59Z', true],
    ['2026-01-15T16:00:00Z', false], // 17:00 CET, the end is exclusive
    ['2026-07-15T06:59:59Z', false], // 08:59:59 CEST
    ['2026-07-15T07:00:00Z', true], // 09:00 CEST
  ]);
});

t.test('range across midnight', async (t) => {
  checkInstants(t, ['22:00-06:00 UTC'], [
    ['2026-01-15T21:59:59Z', false],
    ['2026-01-15T22:00:00Z', true],
    ['2026-01-16T03:00:00Z', true],
    ['2026-01-16T05:59:59Z', true],
    ['2026-01-16T06:00:00Z', false],
    ['2026-01-16T12:00:00Z', false],
  ]);
});

t.test('12-hour forms', async (t) => {
  checkInstants(t, ['9am-5pm America/Los_Angeles'], [
    ['2026-07-15T15:59:59Z', false], // 08:59:59 PDT
    ['2026-07-15T16:00:00Z', true], // 09:00 PDT
    ['2026-07-16T00:00:00Z', false], // 17:00 PDT
  ]);
  checkInstants(t, ['9:30 AM - 5 PM GMT-8'], [
    ['2026-07-15T17:29:59Z', false],
    ['2026-07-15T17:30:00Z', true],
    ['2026-07-16T00:59:59Z', true],
    ['2026-07-16T01:00:00Z', false],
  ]);
  checkInstants(t, ['9 a.m. - 5 p.m. UTC'], [['2026-07-15T09:00:00Z', true]]);
  checkInstants(t, ['12am-1am UTC'], [
    ['2026-07-15T00:00:00Z', true],
    ['2026-07-15T01:00:00Z', false],
    ['2026-07-15T12:30:00Z', false],
  ]);
  checkInstants(t, ['12pm-1pm UTC'], [
    ['2026-07-15T00:30:00Z', false],
    ['2026-07-15T12:30:00Z', true],
  ]);
});

t.test('range ending at midnight', async (t) => {
  for (const value of ['9pm-12am UTC', '21:00-24:00 UTC']) {
    checkInstants(t, [value], [
      ['2026-07-15T20:59:59Z', false],
      ['2026-07-15T23:59:59Z', true],
      ['2026-07-16T00:00:00Z', false],
    ]);
  }
});

t.test('fixed offset with minutes', async (t) => {
  checkInstants(t, ['09:00-17:00 GMT+05:30'], [
    ['2026-07-15T03:29:59Z', false],
    ['2026-07-15T03:30:00Z', true],
  ]);
});

t.test('any value matches', async (t) => {
  checkInstants(t, ['08:00-09:00 UTC', '20:00-21:00 Asia/Tokyo'], [
    ['2026-07-15T08:30:00Z', true],
    ['2026-07-15T10:00:00Z', false],
    ['2026-07-15T11:30:00Z', true], // 20:30 JST
  ]);
});

t.test('invalid values', async (t) => {
  const cases: [values: string[], message: RegExp][] = [
    [[], /needs at least one value/],
    [[''], /invalid time-of-day value ""/],
    [['9am-5pm'], /time-of-day value "9am-5pm" has no time zone; append one/],
    [['9:30 AM - 5 PM'], /has no time zone/],
    [['09:00-17:00 Mars/Base'], /unknown time zone "Mars\/Base"/],
    [['09:00-17:00 PST'], /ambiguous time zone "PST"/],
    [['25:00-06:00 UTC'], /"25:00" is not a time/],
    [['24:00-06:00 UTC'], /"24:00" is not a time/],
    [['13pm-2pm UTC'], /"13pm" is not a time/],
    [['9-17 UTC'], /invalid time-of-day value "9-17 UTC": "9" is not a time; write 00:00 to 23:59/],
    [['from 9 to 5 UTC'], /invalid time-of-day value "from 9 to 5 UTC"; write a time range and a time zone/],
    [['09:00-09:00 UTC'], /the range is empty/],
    [['09:00-17:00 UTC', 'noon'], /invalid time-of-day value "noon"/],
  ];
  for (const [values, message] of cases) {
    t.match(compileTimeOfDay(values), message, JSON.stringify(values));
  }
});
