import path from 'node:path';
import { LoadError } from '../errors/index.js';
import { SerialReloader } from '../lib/serial-reloader.js';
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
  private readonly reloader = new SerialReloader(() => this.loadOnce());

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
    return this.reloader.reload();
  }

  /** Reloads after any change in the file's directory settles. */
  watch(): void {
    this.reloader.watch(path.dirname(this.options.file), this.options.debounceMs ?? 200, (error) => this.options.onReload?.({ outcome: 'failed', error }));
  }

  /** Stops watching and waits for a reload in progress. */
  close(): Promise<void> {
    return this.reloader.close();
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
