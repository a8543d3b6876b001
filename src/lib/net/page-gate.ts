/**
 * Page renders admitted at once. A page is rendered on the process's one JavaScript thread in
 * many small turns between its database reads; a hundred renders at once interleave their
 * turns, so each takes a hundred times longer, their queries queue for the connection pool, and
 * a person's abort (a server action, which is not a page) waits in the same crowd. Beyond the
 * limit, page requests wait here, in order, before Next.js starts them; actions, APIs, probes and
 * static files pass at once.
 */

/** What the gate needs of a response: to know when it ends, or was given up. */
export interface Closable {
  once(event: "close", listener: () => void): unknown;
  readonly destroyed: boolean;
}

/** A GET or HEAD of a page, or of a page's server-component payload (navigation, prefetch). */
export function isPageRender(method: string | undefined, url: string | undefined): boolean {
  if (method !== "GET" && method !== "HEAD") return false;
  const path = (url ?? "/").split("?")[0] ?? "/";
  return !/^\/(_next|api|metrics|favicon\.ico)(\/|$)/.test(path) && !/\.[a-z0-9]+$/i.test(path);
}

export class PageGate {
  private inFlight = 0;
  private readonly queue: { res: Closable; start: () => void }[] = [];

  constructor(private readonly limit: number) {}

  /** Starts `start` now, or once a render ends; never, if the client gave up meanwhile. */
  run(res: Closable, start: () => void): void {
    if (this.inFlight < this.limit) {
      this.begin(res, start);
      return;
    }
    const entry = { res, start };
    this.queue.push(entry);
    res.once("close", () => {
      const at = this.queue.indexOf(entry);
      if (at >= 0) this.queue.splice(at, 1);
    });
  }

  /** Renders running, and waiting. */
  counts(): { running: number; waiting: number } {
    return { running: this.inFlight, waiting: this.queue.length };
  }

  private begin(res: Closable, start: () => void): void {
    this.inFlight += 1;
    res.once("close", () => {
      this.inFlight -= 1;
      this.next();
    });
    start();
  }

  private next(): void {
    while (this.inFlight < this.limit) {
      const entry = this.queue.shift();
      if (!entry) return;
      if (!entry.res.destroyed) {
        this.begin(entry.res, entry.start);
        return;
      }
    }
  }
}
