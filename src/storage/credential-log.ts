import type { FastifyBaseLogger } from 'fastify';
import type { CredentialSourceName } from '../config/index.js';
import type { RefreshEvent } from '../credentials/index.js';
import type { Metrics } from '../metrics/index.js';
import { CREDENTIAL_EXPIRY_MARGIN_SECONDS } from '../s3/index.js';

type TargetRef = { name: string; source: CredentialSourceName };

/**
 * Logs and counts what the credential refreshers report. Events that arrive before the
 * logger exists (the first fetches run before the app is built) are kept and written when
 * `attach` gives it. A line contains the target, the source, times and the error's name and
 * message: never a key or token.
 */
export class CredentialEventLog {
  private log: FastifyBaseLogger | undefined;
  private readonly pending: [TargetRef, RefreshEvent][] = [];
  private readonly metrics: Metrics;
  private readonly now: () => Date;

  constructor(metrics: Metrics, now: () => Date) {
    this.metrics = metrics;
    this.now = now;
  }

  /** Counts the event at once and logs it, or keeps it until a logger is attached. */
  record(target: TargetRef, event: RefreshEvent): void {
    this.count(target, event);
    if (this.log === undefined) this.pending.push([target, event]);
    else this.write(this.log, target, event);
  }

  /** Writes the kept events to `log`, and every later one. */
  attach(log: FastifyBaseLogger): void {
    this.log = log;
    for (const [target, event] of this.pending.splice(0)) this.write(log, target, event);
  }

  private count(target: TargetRef, event: RefreshEvent): void {
    this.metrics.credentialRefreshes.inc({ target: target.name, result: event.type });
    if (event.type !== 'loaded') return;
    if (event.expiration === undefined) this.metrics.credentialsExpiry.remove({ target: target.name });
    else this.metrics.credentialsExpiry.set({ target: target.name }, event.expiration.getTime() / 1000);
  }

  private write(log: FastifyBaseLogger, target: TargetRef, event: RefreshEvent): void {
    const fields = {
      target: target.name,
      source: target.source,
      ...('expiration' in event && event.expiration ? { expiresAt: event.expiration.toISOString() } : {}),
    };
    switch (event.type) {
      case 'loaded':
        log.info(
          { ...fields, ...(event.nextRefreshAt === undefined ? {} : { nextRefreshAt: event.nextRefreshAt.toISOString() }) },
          'storage credentials loaded',
        );
        return;
      case 'unchanged':
        log.debug({ ...fields, retryInMs: event.retryInMs }, 'storage credential source returned the current credentials again; asking later');
        return;
      case 'failed': {
        const details = {
          ...fields,
          attempt: event.attempt,
          ...(event.retryInMs === undefined ? {} : { retryInMs: event.retryInMs }),
          error: describeError(event.error),
        };
        if (this.stillValid(event.expiration)) {
          log.warn(details, 'storage credential refresh failed; the current credentials keep serving until they expire');
        } else if (event.retryInMs === undefined) {
          log.error(details, 'storage credentials could not be loaded; this target signs nothing');
        } else {
          log.error(details, 'storage credentials could not be loaded; this target signs nothing until a retry succeeds');
        }
      }
    }
  }

  private stillValid(expiration: Date | undefined): boolean {
    if (expiration === undefined) return false;
    return expiration.getTime() - this.now().getTime() > CREDENTIAL_EXPIRY_MARGIN_SECONDS * 1000;
  }
}

/** Keeps an error's name and message only: SDK errors carry request metadata that does not belong in a log. */
function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
