// An engineer's abort, timed from the moment it is sent until it is applied: the rollout's row
// says aborted AND the platform's object (the simulator's state) is aborted or back to no
// canary traffic. The bound: within 2 s, while the load runs.
import { sleep } from "../support/app";
import {
  commandRollout,
  platformObjects,
  rolloutRows,
  type StartedRollout,
} from "../support/rollouts";

export interface AbortTiming {
  /** until the action answered (its answer carries the page rendered again) */
  acceptedMs: number;
  /** until both the row and the platform object show the abort; null if not within the wait */
  appliedMs: number | null;
  /** the action's answer, when it was not ok */
  refusal: string | null;
}

/** Whether the rollout's row and its platform object both show the abort. */
export async function abortApplied(databaseUrl: string, rollout: StartedRollout): Promise<boolean> {
  const [row] = await rolloutRows(databaseUrl, [rollout.id]);
  if (row?.status !== "aborted") return false;
  const object = (await platformObjects(databaseUrl)).find(
    (o) => o.model === rollout.object.model && o.region === rollout.object.region,
  );
  return object !== undefined && (object.aborted || object.canaryWeight === 0);
}

/** Waits (polling every 50 ms) until the abort is applied; the time from `sentAt`, or null. */
export async function waitAbortApplied(
  databaseUrl: string,
  rollout: StartedRollout,
  sentAt: number,
  waitMs = 30_000,
): Promise<number | null> {
  while (performance.now() - sentAt < waitMs) {
    if (await abortApplied(databaseUrl, rollout)) return Math.round(performance.now() - sentAt);
    await sleep(50);
  }
  return null;
}

/** Sends "abort" as the person of `cookie` (a server action, as the button does) and times it. */
export async function timedAbort(
  url: string,
  databaseUrl: string,
  cookie: string,
  rollout: StartedRollout,
): Promise<AbortTiming> {
  const [row] = await rolloutRows(databaseUrl, [rollout.id]);
  if (!row) throw new Error(`no rollout ${rollout.id}`);
  const sentAt = performance.now();
  // Watched from the moment it is sent: the action's answer also carries the page rendered
  // again, which under load comes well after the abort itself is applied.
  const applied = waitAbortApplied(databaseUrl, rollout, sentAt).catch(() => null);
  const answer = await commandRollout(url, cookie, "abort", rollout.id, row.version);
  const acceptedMs = Math.round(performance.now() - sentAt);
  if (!answer.result?.ok) {
    const why = answer.result ? answer.result.error.message : `${answer.status}`;
    return { acceptedMs, appliedMs: null, refusal: why };
  }
  return { acceptedMs, appliedMs: await applied, refusal: null };
}
