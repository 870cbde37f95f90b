import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { LoadError } from '../errors/index.js';
import { BlockIndex } from './block-index.js';
import { loadRevocationFile } from './file-source.js';

/** Outcome of one reload of the revocation file, for logs. */
export type FileReloadResult =
  | { outcome: 'loaded'; version: string; blockCount: number }
  | { outcome: 'unchanged'; version: string }
  | { outcome: 'failed'; error: Error };

export interface RevocationFileOptions {
  file: string;
  /** Called after every reload attempt, for logging. */
  onReload?: (result: FileReloadResult) => void;
  /** How long to wait for a burst of file changes to settle before reloading, in milliseconds. */
  debounceMs?: number;
}

/**
 * The blocks of the revocation file, replaced on reload the way the policy store replaces
 * policies. The file is loaded in full beside the serving index and swapped in with one
 * assignment. After a reload that finds any problem, or no file, the last good index keeps
 * serving.
 */
export class RevocationFile {
  private serving: BlockIndex;
  private version: string;
  private readonly options: RevocationFileOptions;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Reloads run one at a time; a change during a reload schedules one more. */
  private running: Promise<FileReloadResult> | undefined;
  private rerun = false;

  private constructor(index: BlockIndex, version: string, options: RevocationFileOptions) {
    this.serving = index;
    this.version = version;
    this.options = options;
  }

  /**
   * Loads the file for the first time.
   *
   * @throws LoadError when the file is missing or invalid.
   */
  static async open(options: RevocationFileOptions): Promise<RevocationFile> {
    const contents = await loadRevocationFile(options.file);
    return new RevocationFile(new BlockIndex(contents.blocks), contents.version, options);
  }

  index(): BlockIndex {
    return this.serving;
  }

  /** Loads the file again and swaps its blocks in when it is valid and different. */
  reload(): Promise<FileReloadResult> {
    if (this.running !== undefined) {
      this.rerun = true;
      return this.running;
    }
    this.running = this.loadOnce().finally(() => {
      this.running = undefined;
      if (this.rerun) {
        this.rerun = false;
        void this.reload();
      }
    });
    return this.running;
  }

  /**
   * Reloads after any change in the file's directory settles. The directory is watched, not
   * the file, because editors and Kubernetes ConfigMap volumes replace a file by renaming
   * another over it, which ends a watch on the file itself.
   */
  watch(): void {
    if (this.watcher !== undefined) return;
    this.watcher = watch(path.dirname(this.options.file), { persistent: false }, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), this.options.debounceMs ?? 200);
    });
    this.watcher.on('error', (error) => this.options.onReload?.({ outcome: 'failed', error }));
  }

  /** Stops watching and waits for a reload in progress. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.running;
  }

  private async loadOnce(): Promise<FileReloadResult> {
    let result: FileReloadResult;
    try {
      const contents = await loadRevocationFile(this.options.file);
      if (contents.version === this.version) {
        result = { outcome: 'unchanged', version: contents.version };
      } else {
        this.serving = new BlockIndex(contents.blocks);
        this.version = contents.version;
        result = { outcome: 'loaded', version: contents.version, blockCount: contents.blocks.length };
      }
    } catch (error) {
      result = { outcome: 'failed', error: error instanceof Error ? error : new LoadError('cannot load revocations', []) };
    }
    this.options.onReload?.(result);
    return result;
  }
}
