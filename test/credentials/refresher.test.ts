import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { CredentialRefresher, environmentSource, jsonFileSource, type RefreshEvent } from '../../src/credentials/index.js';
import type { StorageCredentials } from '../../src/s3/index.js';
import { ManualClock } from '../fixtures/manual-clock.js';
import { NOW } from '../fixtures/tokens.js';

const MINUTE = 60_000;
const dir = await mkdtemp(path.join(tmpdir(), 'openraz-refresher-'));
t.teardown(() => rm(dir, { recursive: true, force: true }));
let fileCount = 0;

async function writeKeys(file: string, accessKeyId: string, expiration: Date | undefined): Promise<void> {
  const document = {
    Version: 1,
    AccessKeyId: accessKeyId,
    SecretAccessKey: `secret-of-${accessKeyId}`,
    SessionToken: `token-of-${accessKeyId}`,
    Expiration: expiration?.toISOString(),
  };
  await writeFile(file, JSON.stringify(document));
}

/** Starts a refresher over a real JSON credentials file, and collects the credentials and events it reports. */
async function startRefresher(expiresInMs: number | undefined, refreshBeforeExpirySeconds = 300) {
  const clock = new ManualClock(NOW);
  const file = path.join(dir, `keys-${++fileCount}.json`);
  await writeKeys(file, 'ASIAFIRST', expiresInMs === undefined ? undefined : new Date(NOW.getTime() + expiresInMs));
  const received: StorageCredentials[] = [];
  const events: RefreshEvent[] = [];
  const refresher = new CredentialRefresher({
    source: jsonFileSource(file),
    refreshBeforeExpirySeconds,
    onCredentials: (credentials) => received.push(credentials),
    onEvent: (event) => events.push(event),
    clock,
    retry: { initialDelayMs: 1000, maxDelayMs: 4000 },
    random: () => 0.5,
  });
  t.teardown(() => refresher.close());
  await refresher.start();
  return { clock, file, received, events, refresher };
}

t.test('refresh lead time', async (t) => {
  const cases: [lifetimeMinutes: number, refreshBeforeExpirySeconds: number, refreshAfterMinutes: number][] = [
    [20, 300, 15], // the margin and a quarter of the lifetime are both 5 minutes
    [60, 300, 45], // a quarter of the lifetime is longer than the margin
    [60, 1200, 40], // the margin is longer
    [10, 300, 5], // the margin, capped at half the lifetime
    [4, 300, 2], // half the lifetime
    [720, 300, 540],
  ];
  for (const [lifetime, margin, after] of cases) {
    const { clock, events } = await startRefresher(lifetime * MINUTE, margin);
    t.same(clock.pending(), [NOW.getTime() + after * MINUTE], `${lifetime} min with margin ${margin} s`);
    t.equal(events[0]?.type, 'loaded');
    t.equal(events[0]?.type === 'loaded' ? events[0].nextRefreshAt?.getTime() : undefined, NOW.getTime() + after * MINUTE);
  }
});

t.test('refresh replaces credentials before expiry', async (t) => {
  const { clock, file, received } = await startRefresher(20 * MINUTE);
  t.same(
    received.map((credentials) => credentials.accessKeyId),
    ['ASIAFIRST'],
  );
  t.equal(received[0]?.sessionToken, 'token-of-ASIAFIRST');
  await writeKeys(file, 'ASIASECOND', new Date(NOW.getTime() + 80 * MINUTE));

  await clock.advance(15 * MINUTE - 1);
  t.equal(received.length, 1, 'nothing before the refresh time');
  await clock.advance(1);
  t.same(
    received.map((credentials) => credentials.accessKeyId),
    ['ASIAFIRST', 'ASIASECOND'],
  );
  t.equal(received[1]?.expiration?.toISOString(), new Date(NOW.getTime() + 80 * MINUTE).toISOString());
  t.same(
    clock.pending(),
    [NOW.getTime() + (80 - 65 / 4) * MINUTE],
    'the next refresh follows the new lifetime: a quarter of 65 minutes before expiry',
  );
});

t.test('failed refresh backs off and keeps old', async (t) => {
  const { clock, file, received, events } = await startRefresher(20 * MINUTE);
  await rm(file);
  await clock.advance(15 * MINUTE);
  await clock.advance(750 + 1500 + 3000 + 3000);

  const failures = events.filter((event) => event.type === 'failed');
  t.same(
    failures.map((event) => (event.type === 'failed' ? [event.attempt, event.retryInMs] : [])),
    [
      [1, 750],
      [2, 1500],
      [3, 3000],
      [4, 3000],
      [5, 3000],
    ],
    'doubling from 1 s up to the 4 s maximum, less a quarter (random 0.5)',
  );
  const first = failures[0];
  t.equal(
    first?.type === 'failed' ? first.expiration?.toISOString() : undefined,
    new Date(NOW.getTime() + 20 * MINUTE).toISOString(),
    'the failure names the expiry that still serves',
  );
  t.match(first?.type === 'failed' ? String(first.error) : '', /ENOENT/);
  t.equal(received.length, 1, 'the old credentials are not replaced');

  await writeKeys(file, 'ASIATHIRD', new Date(NOW.getTime() + 80 * MINUTE));
  await clock.advance(3000);
  t.same(
    received.map((credentials) => credentials.accessKeyId),
    ['ASIAFIRST', 'ASIATHIRD'],
    'a retry after the fix loads new credentials',
  );
  t.equal(events.at(-1)?.type, 'loaded');
  t.equal(clock.pending().length, 1, 'one timer, for the next refresh');
});

t.test('unchanged credentials are asked for again', async (t) => {
  const { clock, file, received, events } = await startRefresher(20 * MINUTE);
  await clock.advance(15 * MINUTE);
  t.same(
    events.map((event) => event.type),
    ['loaded', 'unchanged'],
  );
  t.equal(events[1]?.type === 'unchanged' ? events[1].retryInMs : undefined, 750);
  t.equal(received.length, 1, 'the same credentials are not swapped in again');

  await writeKeys(file, 'ASIAROTATED', new Date(NOW.getTime() + 60 * MINUTE));
  await clock.advance(750);
  t.same(
    received.map((credentials) => credentials.accessKeyId),
    ['ASIAFIRST', 'ASIAROTATED'],
  );
});

t.test('long-term keys are not refreshed', async (t) => {
  const { clock, events } = await startRefresher(undefined);
  t.same(clock.pending(), [], 'no timer');
  t.same(events, [{ type: 'loaded' }]);
});

t.test('expired credentials count as a failure', async (t) => {
  const clock = new ManualClock(NOW);
  const file = path.join(dir, 'expired.json');
  await writeKeys(file, 'ASIAOLD', new Date(NOW.getTime() - 1000));
  const events: RefreshEvent[] = [];
  const received: StorageCredentials[] = [];
  const refresher = new CredentialRefresher({
    source: jsonFileSource(file),
    refreshBeforeExpirySeconds: 300,
    onCredentials: (c) => received.push(c),
    onEvent: (e) => events.push(e),
    clock,
  });
  t.teardown(() => refresher.close());
  await refresher.start();
  t.equal(received.length, 0);
  t.equal(events[0]?.type, 'failed');
  t.match(events[0]?.type === 'failed' ? (events[0].error as Error).message : '', /returned credentials that expired at 2026-01-02T09:59:59.000Z/);
  t.equal(clock.pending().length, 1, 'a file source is asked again');
});

t.test('environment variables are not retried', async (t) => {
  const clock = new ManualClock(NOW);
  const events: RefreshEvent[] = [];
  const refresher = new CredentialRefresher({
    source: environmentSource({ accessKeyId: 'OPENRAZ_TEST_MISSING_KEY', secretAccessKey: 'OPENRAZ_TEST_MISSING_SECRET' }, {}),
    refreshBeforeExpirySeconds: 300,
    onCredentials: () => t.fail('no credentials expected'),
    onEvent: (event) => events.push(event),
    clock,
  });
  await refresher.start();
  t.equal(events.length, 1);
  t.equal(events[0]?.type, 'failed');
  t.equal(events[0]?.type === 'failed' ? events[0].retryInMs : 'none', undefined, 'no retry: the environment cannot change');
  t.match(
    events[0]?.type === 'failed' ? (events[0].error as Error).message : '',
    'OPENRAZ_TEST_MISSING_KEY and OPENRAZ_TEST_MISSING_SECRET are not both set',
  );
  t.same(clock.pending(), []);
});

t.test('close stops the refresh timer', async (t) => {
  const { clock, refresher, received, file } = await startRefresher(20 * MINUTE);
  t.equal(clock.pending().length, 1);
  refresher.close();
  t.same(clock.pending(), []);
  await writeKeys(file, 'ASIALATE', new Date(NOW.getTime() + 80 * MINUTE));
  await clock.advance(60 * MINUTE);
  t.equal(received.length, 1, 'nothing is fetched after close');
});

t.test('a far expiry is reached in timer steps', async (t) => {
  const days = 100;
  const { clock, received, events } = await startRefresher(days * 24 * 60 * MINUTE);
  const [due] = clock.pending();
  t.equal(due, NOW.getTime() + 2_147_483_647, 'one timer cannot wait longer than about 24.8 days');
  await clock.advance(2_147_483_647);
  t.equal(events.length, 1, 'waking early fetches nothing');
  t.equal(clock.pending().length, 1, 'it waits again');
  // A quarter of the lifetime before expiry: 75 days after the start.
  const refreshAt = NOW.getTime() + 75 * 24 * 60 * MINUTE;
  await clock.advance(refreshAt - 1 - clock.now());
  t.equal(events.length, 1, 'nothing before the refresh time');
  await clock.advance(1);
  t.equal(events.at(-1)?.type, 'unchanged', 'the refresh ran at its time');
  t.equal(received.length, 1);
});
