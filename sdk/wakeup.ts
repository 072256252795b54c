/**
 * An interruptible sleep: `sleep(ms)` resolves after `ms` or as soon as `wake()` is called,
 * whichever is first. Timers are unref'd so a forgotten client never keeps a process alive.
 */
export class Wakeup {
  private waiters = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref?.();
      this.waiters.add(done);
    });
  }

  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
