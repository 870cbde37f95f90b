/** Time and timers for background refreshes; tests pass a manual clock. */
export interface RefreshClock {
  /** The current time in milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` after `delayMs`; returns a handle for clearTimer. */
  setTimer(callback: () => unknown, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

/** The real clock. Its timers are unref'd: a pending refresh never keeps the process alive. */
export const systemClock: RefreshClock = {
  now: () => Date.now(),
  setTimer(callback, delayMs) {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return timer;
  },
  clearTimer(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};
