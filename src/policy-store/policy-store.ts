import { LoadError } from '../errors/index.js';
import { SerialReloader } from '../lib/serial-reloader.js';
import { loadPolicyDirectory, type MatcherOptions, type PolicySet } from '../policy/index.js';

/** The outcome of one reload, for logs and metrics. */
export type ReloadResult = { outcome: 'loaded'; version: string; policyCount: number } | { outcome: 'unchanged'; version: string } | { outcome: 'failed'; error: Error };

export interface PolicyStoreOptions {
  dir: string;
  matcher: MatcherOptions;
  /** Called after every reload attempt, for logging and metrics. */
  onReload?: (result: ReloadResult) => void;
  /** How long to wait for a burst of file changes to settle before reloading, in milliseconds. */
  debounceMs?: number;
}

/**
 * Holds the serving policy set and replaces it on reload. A new set is loaded in full beside
 * the old one and swapped in one assignment; a set with any problem is rejected and the last
 * good one keeps serving. Readers call `current()` once per request and keep that set for
 * the whole decision.
 */
export class PolicyStore {
  private set: PolicySet;
  private readonly options: PolicyStoreOptions;
  private readonly reloader = new SerialReloader(() => this.loadOnce());

  private constructor(set: PolicySet, options: PolicyStoreOptions) {
    this.set = set;
    this.options = options;
  }

  /**
   * Loads the first set.
   *
   * @throws LoadError when the directory does not hold a valid policy set.
   */
  static async open(options: PolicyStoreOptions): Promise<PolicyStore> {
    return new PolicyStore(await loadPolicyDirectory(options.dir, { matcher: options.matcher }), options);
  }

  current(): PolicySet {
    return this.set;
  }

  /** Loads the directory again and swaps the set in when it is valid and different. */
  reload(): Promise<ReloadResult> {
    return this.reloader.reload();
  }

  /** Reloads whenever a file in the directory changes, after the changes settle. */
  watch(): void {
    this.reloader.watch(this.options.dir, this.options.debounceMs ?? 200, (error) => this.options.onReload?.({ outcome: 'failed', error }));
  }

  /** Stops watching and waits for a reload in progress. */
  close(): Promise<void> {
    return this.reloader.close();
  }

  private async loadOnce(): Promise<ReloadResult> {
    let result: ReloadResult;
    try {
      const next = await loadPolicyDirectory(this.options.dir, { matcher: this.options.matcher });
      if (next.info.version === this.set.info.version) {
        result = { outcome: 'unchanged', version: next.info.version };
      } else {
        this.set = next;
        result = { outcome: 'loaded', version: next.info.version, policyCount: next.info.policyCount };
      }
    } catch (error) {
      result = { outcome: 'failed', error: error instanceof Error ? error : new LoadError('cannot load policies', []) };
    }
    this.options.onReload?.(result);
    return result;
  }
}
