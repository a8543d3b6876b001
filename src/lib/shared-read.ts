import { clock } from "@/lib/clock";

/**
 * A read every user of this process shares: computed at most once per `ttlMs` for each key, and
 * readers that arrive while it is being computed wait for that one computation instead of
 * starting their own. For reads that are the same for every reader and cost far more than one
 * page's share of the machine (the leadership review of a quarter over a thousand SLOs): fifty
 * people opening it cost one computation, not fifty. A failed computation is not kept. At most
 * `maxKeys` keys are kept, the least recently computed dropped first.
 */
export class SharedRead<T> {
  private readonly entries = new Map<string, { at: number; version: string; value: Promise<T> }>();

  constructor(private readonly options: { ttlMs: number; maxKeys?: number }) {}

  /**
   * The value for `key` and when it was computed; `compute` runs only when no reader computed it
   * within the time to live from the same `version` of what it depends on (a cheap token that
   * changes with it, such as the chaos in force: a change is seen at once, not after the time to
   * live). Callers authorize their reader before reading.
   */
  async read(
    key: string,
    compute: () => Promise<T>,
    version = "",
  ): Promise<{ value: T; computedAt: Date }> {
    const now = clock.ms();
    let entry = this.entries.get(key);
    if (!entry || entry.version !== version || now - entry.at >= this.options.ttlMs) {
      const value = compute();
      const fresh = { at: now, version, value };
      entry = fresh;
      this.entries.delete(key);
      this.entries.set(key, fresh);
      // Only this computation's entry is dropped on failure: a newer one may have replaced it.
      value.catch(() => {
        if (this.entries.get(key) === fresh) this.entries.delete(key);
      });
      const max = this.options.maxKeys ?? 32;
      while (this.entries.size > max) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
    }
    return { value: await entry.value, computedAt: new Date(entry.at) };
  }
}
