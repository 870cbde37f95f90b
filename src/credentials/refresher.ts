import type { StorageCredentials } from '../s3/index.js';
import { systemClock, type RefreshClock } from './clock.js';
import type { CredentialSource } from './source.js';

/** Maximum delay of one Node.js timer (2^31 - 1 ms, about 24.8 days), so a later refresh is reached in steps. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** Backoff between failed refreshes: doubling from the initial delay up to the maximum, in milliseconds. */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 60_000 };

/** An outcome that a refresher reports. No event carries a key or token. */
export type RefreshEvent =
  | { type: 'loaded'; expiration?: Date; nextRefreshAt?: Date }
  | { type: 'unchanged'; expiration?: Date; retryInMs: number }
  | {
      type: 'failed';
      error: unknown;
      /** Failed attempts in a row, this one included. */
      attempt: number;
      /** Undefined when the source is not asked again. */
      retryInMs?: number;
      /** The expiry of the credentials that keep serving, if any. */
      expiration?: Date;
    };

export interface RefresherOptions {
  source: CredentialSource;
  /** Refresh when this many seconds remain, or a quarter of the lifetime if longer, but never later than half-way. */
  refreshBeforeExpirySeconds: number;
  /** Receives each new set of credentials; the caller swaps its signer here. */
  onCredentials(credentials: StorageCredentials): void;
  onEvent?(event: RefreshEvent): void;
  clock?: RefreshClock;
  retry?: RetryPolicy;
  /** A number in [0, 1) for the backoff jitter; Math.random by default. */
  random?: () => number;
}

/**
 * Keeps one target's credentials current in the background. Temporary credentials are
 * fetched again before they expire. A failure is reported and retried with exponential
 * backoff, and the old credentials keep serving until their own expiry. Nothing here runs
 * on a request, because readers only see the swaps that `onCredentials` makes.
 */
export class CredentialRefresher {
  private readonly options: RefresherOptions;
  private readonly clock: RefreshClock;
  private readonly retry: RetryPolicy;
  private current: StorageCredentials | undefined;
  private timer: unknown;
  /** Attempts in a row that brought no new credentials. */
  private attempts = 0;
  private closed = false;

  constructor(options: RefresherOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** Fetches the first credentials. It resolves after a failure too, which is reported and retried in the background. */
  start(): Promise<void> {
    return this.refresh();
  }

  /** Stops the timer; a fetch in flight is ignored when it ends. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  private async refresh(): Promise<void> {
    this.timer = undefined;
    let credentials: StorageCredentials;
    try {
      credentials = await this.options.source.resolve();
      if (credentials.expiration !== undefined && credentials.expiration.getTime() <= this.clock.now()) {
        throw new Error(`the ${this.options.source.kind} source returned credentials that expired at ${credentials.expiration.toISOString()}`);
      }
    } catch (error) {
      if (!this.closed) this.fail(error);
      return;
    }
    if (this.closed) return;

    if (this.current !== undefined && sameCredentials(this.current, credentials)) {
      this.attempts++;
      const retryInMs = this.backoffDelay();
      this.emit({ type: 'unchanged', ...expirationOf(credentials), retryInMs });
      this.scheduleAt(this.clock.now() + retryInMs);
      return;
    }

    this.current = credentials;
    this.attempts = 0;
    this.options.onCredentials(credentials);
    const refreshAt = this.refreshTime(credentials);
    this.emit({ type: 'loaded', ...expirationOf(credentials), ...(refreshAt === undefined ? {} : { nextRefreshAt: new Date(refreshAt) }) });
    if (refreshAt !== undefined) this.scheduleAt(refreshAt);
  }

  private fail(error: unknown): void {
    this.attempts++;
    const retryInMs = this.options.source.refreshable ? this.backoffDelay() : undefined;
    this.emit({
      type: 'failed',
      error,
      attempt: this.attempts,
      ...(retryInMs === undefined ? {} : { retryInMs }),
      ...expirationOf(this.current ?? {}),
    });
    if (retryInMs !== undefined) this.scheduleAt(this.clock.now() + retryInMs);
  }

  /**
   * Returns when to fetch again, or undefined for credentials that do not expire or a source
   * that cannot return others. The lead time is the configured margin or a quarter of the
   * lifetime, whichever is longer, and at most half the lifetime, so short sessions are
   * not refreshed in a loop.
   */
  private refreshTime(credentials: StorageCredentials): number | undefined {
    if (!this.options.source.refreshable || credentials.expiration === undefined) return undefined;
    const expiresAt = credentials.expiration.getTime();
    const lifetime = expiresAt - this.clock.now();
    const lead = Math.min(Math.max(this.options.refreshBeforeExpirySeconds * 1000, lifetime / 4), lifetime / 2);
    return Math.floor(expiresAt - lead);
  }

  /** Returns the next retry delay: doubling per attempt up to the maximum, with up to half of it taken off at random. */
  private backoffDelay(): number {
    const { initialDelayMs, maxDelayMs } = this.retry;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.min(this.attempts - 1, 30));
    const random = this.options.random ?? Math.random;
    return Math.round(ceiling / 2 + (random() * ceiling) / 2);
  }

  private scheduleAt(dueAt: number): void {
    if (this.closed) return;
    const delay = Math.max(0, dueAt - this.clock.now());
    this.timer = this.clock.setTimer(
      () => {
        if (this.clock.now() < dueAt) {
          this.scheduleAt(dueAt);
          return undefined;
        }
        return this.refresh();
      },
      Math.min(delay, MAX_TIMER_DELAY_MS),
    );
  }

  private emit(event: RefreshEvent): void {
    this.options.onEvent?.(event);
  }
}

function sameCredentials(a: StorageCredentials, b: StorageCredentials): boolean {
  return (
    a.accessKeyId === b.accessKeyId &&
    a.secretAccessKey === b.secretAccessKey &&
    a.sessionToken === b.sessionToken &&
    a.expiration?.getTime() === b.expiration?.getTime()
  );
}

function expirationOf(credentials: { expiration?: Date }): { expiration?: Date } {
  return credentials.expiration === undefined ? {} : { expiration: credentials.expiration };
}
