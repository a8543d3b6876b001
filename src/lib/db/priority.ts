// Which database work goes first when the connection pool is saturated: a person's change (a
// server action, and what it starts in the background) ahead of page reads, so that an abort
// does not queue behind hundreds of page queries. The pool (server/db/pool.ts) reads the mark.
import { AsyncLocalStorage } from "node:async_hooks";

const priority = new AsyncLocalStorage<true>();

/** Runs `work`, and everything it starts, as priority database work. */
export function withDatabasePriority<T>(work: () => Promise<T>): Promise<T> {
  return priority.run(true, work);
}

/** Whether the caller runs as priority database work. */
export function hasDatabasePriority(): boolean {
  return priority.getStore() === true;
}
