import type { CredentialSourceName } from '../config/index.js';
import {
  CredentialRefresher,
  createCredentialSource,
  type CredentialSource,
  type RefreshClock,
  type RefreshEvent,
  type RetryPolicy,
} from '../credentials/index.js';
import { OpenRazError } from '../errors/index.js';
import { Glob } from '../policy/index.js';
import { UrlSigner, type StorageCredentials } from '../s3/index.js';
import type { TargetDefinition } from './targets.js';

/** Bucket patterns match whole names, case-sensitively, as S3 bucket names are lower case. */
const BUCKET_PATTERN_OPTIONS = { recursive: false, ignoreCase: false, separator: '/', wildCard: true } as const;

/** The readiness of one target, for /readyz. */
export interface TargetStatus {
  name: string;
  source: CredentialSourceName;
  /** True while the target's credentials can sign a URL that lives at least one second. */
  valid: boolean;
  /** When the current credentials expire; absent for long-term keys and when none are loaded. */
  expiresAt?: Date;
}

export interface SignerRegistryOptions {
  /** Fixed credentials for every target in place of the configured sources, or null for none (tests and the demo). */
  credentials?: StorageCredentials | null;
  clock?: RefreshClock;
  retry?: RetryPolicy;
  /** Environment for `static` sources that read variables; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Receives every refresh outcome of every target, for logs and metrics. */
  onEvent?(target: { name: string; source: CredentialSourceName }, event: RefreshEvent): void;
}

interface TargetEntry {
  definition: TargetDefinition;
  patterns: readonly Glob[];
  source: CredentialSource;
  refresher: CredentialRefresher;
  /** Replaced whole by each refresh, so a request reads one consistent signer. */
  signer: UrlSigner | undefined;
}

/**
 * The storage targets with their current signers. A request only reads: it picks the first
 * target whose patterns match the bucket and takes that target's current signer. Credential
 * fetches happen in the background (see CredentialRefresher).
 */
export class SignerRegistry {
  private readonly entries: readonly TargetEntry[];

  private constructor(entries: readonly TargetEntry[]) {
    this.entries = entries;
  }

  /**
   * Builds each target's credential source and fetches its first credentials. A target whose
   * credentials cannot be fetched still opens, not ready, and keeps retrying when its
   * source can return others.
   */
  static async open(definitions: readonly TargetDefinition[], options: SignerRegistryOptions = {}): Promise<SignerRegistry> {
    const entries = definitions.map((definition) => createEntry(definition, options));
    const registry = new SignerRegistry(entries);
    await Promise.all(entries.map((entry) => entry.refresher.start()));
    return registry;
  }

  /**
   * Returns the signer of the target that serves `bucket`. Without a bucket (ListBuckets,
   * which addresses a whole endpoint) it is the first target in configuration order.
   *
   * @throws OpenRazError `ERR_REQUEST_BUCKET_UNROUTED` (field `bucket`) when no target matches;
   *   `ERR_SERVICE_NOT_READY` when the target has no valid credentials at `now`.
   */
  forBucket(bucket: string | undefined, now: Date): UrlSigner {
    const entry =
      bucket === undefined ? this.entries[0] : this.entries.find((candidate) => candidate.patterns.some((pattern) => pattern.matches(bucket)));
    if (entry === undefined) {
      throw new OpenRazError(
        'ERR_REQUEST_BUCKET_UNROUTED',
        `No storage target serves bucket "${bucket}": it matches no bucket pattern of the configured targets.`,
        {
          field: 'bucket',
        },
      );
    }
    const { signer } = entry;
    if (signer === undefined || signer.remainingLifetimeSeconds(now) < 1) {
      throw new OpenRazError(
        'ERR_SERVICE_NOT_READY',
        `Storage target "${entry.definition.name}" has no valid credentials (none loaded, or expired), so nothing ${bucket === undefined ? 'on it' : `in bucket "${bucket}"`} can be signed; see /readyz.`,
      );
    }
    return signer;
  }

  /** Returns each target's readiness at `now`, in configuration order. */
  status(now: Date): TargetStatus[] {
    return this.entries.map(({ definition, source, signer }) => ({
      name: definition.name,
      source: source.kind,
      valid: signer !== undefined && signer.remainingLifetimeSeconds(now) >= 1,
      ...(signer?.credentialsExpiration === undefined ? {} : { expiresAt: signer.credentialsExpiration }),
    }));
  }

  /** Returns the targets in configuration order, for logs. */
  definitions(): TargetDefinition[] {
    return this.entries.map((entry) => entry.definition);
  }

  /** Stops every background refresh. */
  close(): void {
    for (const entry of this.entries) entry.refresher.close();
  }
}

function createEntry(definition: TargetDefinition, options: SignerRegistryOptions): TargetEntry {
  const source =
    options.credentials === undefined
      ? createCredentialSource(definition.credentials, definition.target.region, options.env)
      : fixedSource(options.credentials);
  const entry: TargetEntry = {
    definition,
    patterns: definition.buckets.map((pattern) => new Glob(pattern, BUCKET_PATTERN_OPTIONS)),
    source,
    signer: undefined,
    refresher: new CredentialRefresher({
      source,
      refreshBeforeExpirySeconds: definition.credentials.refreshBeforeExpirySeconds,
      onCredentials: (credentials) => {
        entry.signer = new UrlSigner(definition.target, credentials);
      },
      onEvent: (event) => options.onEvent?.({ name: definition.name, source: source.kind }, event),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
    }),
  };
  return entry;
}

/** A source that returns the given credentials, or fails when there are none. */
function fixedSource(credentials: StorageCredentials | null): CredentialSource {
  return {
    kind: 'static',
    refreshable: false,
    async resolve() {
      if (credentials === null) throw new Error('the service was started without storage credentials');
      return credentials;
    },
  };
}
