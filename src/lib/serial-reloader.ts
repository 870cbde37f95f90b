import { watch, type FSWatcher } from 'node:fs';

/**
 * Runs reloads one at a time: a reload asked for while one runs shares its result and
 * schedules exactly one more, so the last change is never missed. Optionally reloads when a
 * directory changes, after a burst of changes settles.
 */
export class SerialReloader<Result> {
  private readonly loadOnce: () => Promise<Result>;
  private running: Promise<Result> | undefined;
  private rerun = false;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(loadOnce: () => Promise<Result>) {
    this.loadOnce = loadOnce;
  }

  reload(): Promise<Result> {
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
   * Reloads after changes in `dir` settle for `debounceMs`. A directory is watched rather
   * than a file, because editors and Kubernetes ConfigMap volumes replace a file by renaming
   * another over it, which ends a watch on the file itself.
   */
  watch(dir: string, debounceMs: number, onError: (error: Error) => void): void {
    if (this.watcher !== undefined) return;
    this.watcher = watch(dir, { persistent: false }, () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.reload(), debounceMs);
    });
    this.watcher.on('error', onError);
  }

  /** Stops watching and waits for a reload in progress. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.running;
  }
}
