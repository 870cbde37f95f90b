import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';

/** One audit record: a decision, allowed or denied. It never contains a token, URL, signature or credential. */
export interface AuditRecord {
  /** `sign` for /v1/sign, `authorize` for a decision explained without signing. */
  kind: 'sign' | 'authorize';
  decisionId: string;
  requestId: string;
  user: string;
  groups: readonly string[];
  roles?: readonly string[];
  /** The caller, when it asked on behalf of `user`. */
  requestedBy?: string;
  tokenId?: string;
  operation: string;
  accessType: string;
  bucket: string;
  key?: string;
  prefix?: string;
  /** The object version, when the request names one. */
  versionId?: string;
  /** The multipart upload, when the request names one. */
  uploadId?: string;
  decision: 'allow' | 'deny';
  policyId?: string;
  reason: string;
  /** The URL's expiry, for allowed requests. */
  expiresAt?: string;
  clientIp: string;
  policyVersion: string;
}

/**
 * One audit record for a change an admin made through `/v1/admin/revocations`. `user` is the
 * admin, and `revocation` the block added or removed: it may name a token id, never a token.
 */
export interface RevocationAuditRecord {
  kind: 'revocation-add' | 'revocation-remove';
  requestId: string;
  user: string;
  groups: readonly string[];
  tokenId?: string;
  clientIp: string;
  revocation: {
    id: string;
    kind: string;
    value?: string;
    bucket?: string;
    prefix?: string;
    reason?: string;
    expiresAt?: string;
  };
}

export interface AuditLog {
  /**
   * Queues one line. The promise settles when the line has reached the destination, and
   * rejects when it could not be written. A caller that must not go on without its audit
   * line awaits it.
   */
  write(record: AuditRecord | RevocationAuditRecord): Promise<void>;
  /** False once a write has failed: the destination is not trusted again until restart. */
  healthy(): boolean;
  /** Resolves once every line written so far has reached the destination. */
  flush(): Promise<void>;
  /** Flushes and closes a file destination; stdout and stderr stay open. */
  close(): Promise<void>;
}

/**
 * Opens the audit stream: one JSON line for each decision, on its own destination (`stdout`,
 * `stderr` or a file, appended), apart from the diagnostic log. Writes are queued by the
 * stream, so a request does not wait for the disk.
 */
export function createAuditLog(destination: string): AuditLog {
  let stream: Writable;
  let ownsStream = false;
  if (destination === 'stdout') {
    stream = process.stdout;
  } else if (destination === 'stderr') {
    stream = process.stderr;
  } else {
    mkdirSync(path.dirname(destination), { recursive: true });
    stream = createWriteStream(destination, { flags: 'a' });
    ownsStream = true;
  }

  let failed: Error | undefined;
  stream.on('error', (error) => {
    failed ??= error;
  });

  const flush = (): Promise<void> =>
    new Promise((resolve, reject) => {
      // A write's callback runs after every earlier write has completed, so an empty write
      // marks the end of what was queued before it.
      stream.write('', (error) => (error ? reject(error) : resolve()));
    });

  return {
    write(record) {
      if (failed !== undefined || stream.destroyed) {
        return Promise.reject(failed ?? new Error('the audit stream is closed'));
      }
      return new Promise((resolve, reject) => {
        stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`, (error) => {
          if (error) {
            failed ??= error;
            reject(error);
          } else {
            resolve();
          }
        });
      });
    },
    healthy: () => failed === undefined && !stream.destroyed,
    flush,
    async close() {
      // A destination that already failed has nothing more to flush.
      await flush().catch(() => undefined);
      if (!ownsStream) return;
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(resolve);
      });
    },
  };
}
