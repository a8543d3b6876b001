/**
 * Resuming a training job is a platform write that Flightdeck cannot do in one transaction with
 * its own record: it writes an intent first, calls the platform, then records the outcome. These
 * rules read that intent, and what the platform reports, after a call that may or may not have
 * run.
 */

/** The deadline of the platform call. */
export const RESUME_CALL_TIMEOUT_MS = 10_000;
/**
 * An intent older than this has no request waiting on it any more (it timed out, or its
 * process died): a retry may take it over. Twice the deadline leaves room for the recording.
 */
export const RESUME_IN_FLIGHT_MS = 2 * RESUME_CALL_TIMEOUT_MS;

/** in_flight: a request is calling the platform now; unknown: nobody knows whether it ran. */
export type ResumeState = "in_flight" | "unknown";

export interface ResumeIntent {
  requestedAt: Date | null;
  outcomeUnknown: boolean;
}

export function resumeState(intent: ResumeIntent, now: Date): ResumeState | null {
  if (!intent.requestedAt) return null;
  if (intent.outcomeUnknown) return "unknown";
  return now.getTime() - intent.requestedAt.getTime() >= RESUME_IN_FLIGHT_MS
    ? "unknown"
    : "in_flight";
}

/**
 * What the platform's view of the job says about a resume asked for when the job had
 * `restartsBefore` restarts:
 * - applied: it restarted since (a resume is the only thing that restarts a failed job);
 * - not_applied: still failed with the same restarts, so the resume may be asked again;
 * - not_failed: running without a restart, so there was nothing to resume;
 * - missing: the platform no longer has the job.
 */
export type ResumeOutcome = "applied" | "not_applied" | "not_failed" | "missing";

export function resumeOutcome(
  restartsBefore: number,
  platformJob: { status: string; restarts: number } | null,
): ResumeOutcome {
  if (!platformJob) return "missing";
  if (platformJob.restarts > restartsBefore) return "applied";
  return platformJob.status === "failed" ? "not_applied" : "not_failed";
}
