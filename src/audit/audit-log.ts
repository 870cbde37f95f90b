import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';

/** One audit record: a decision, allowed or denied. It never holds a token, URL, signature or credential. */
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
  decision: 'allow' | 'deny';
  policyId?: string;
  reason: string;
  /** The URL's expiry, for allowed requests. */
  expiresAt?: string;
  clientIp: string;
  policyVersion: string;
}

export interface AuditLog {
  write(record: AuditRecord): void;
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

  const flush = (): Promise<void> =>
    new Promise((resolve, reject) => {
      // A write's callback runs after every earlier write has completed, so an empty write
      // marks the end of what was queued before it.
      stream.write('', (error) => (error ? reject(error) : resolve()));
    });

  return {
    write(record) {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`);
    },
    flush,
    async close() {
      await flush();
      if (!ownsStream) return;
      await new Promise<void>((resolve, reject) => {
        stream.once('error', reject);
        stream.end(resolve);
      });
    },
  };
}
