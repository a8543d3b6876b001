/**
 * Refusals of anonymous requests cost an attacker nothing, and every audit row is kept forever
 * (the log is append-only). So only so many are written each minute, per client address and
 * in all; the rest are counted and written as one summary row for the minute.
 */

export interface AnonymousRefusalLimits {
  /** rows per client address per minute */
  perAddress: number;
  /** rows per minute, whatever the address (addresses are cheap to rotate) */
  perMinute: number;
  /** the addresses the summary names, most refusals first */
  addressesInSummary: number;
}

export const ANONYMOUS_REFUSAL_LIMITS: AnonymousRefusalLimits = {
  perAddress: 20,
  perMinute: 200,
  addressesInSummary: 20,
};

/** The start of the minute holding `at`, in ms since the epoch. */
export function minuteStart(at: Date): number {
  return Math.floor(at.getTime() / 60_000) * 60_000;
}

/** Rows already written this minute. */
export interface AnonymousRefusalCounts {
  sameAddress: number;
  all: number;
}

/** write it, or drop it because this address (or everybody) used up the minute's rows */
export type AnonymousRefusalDecision = "write" | "drop_address" | "drop_all";

export function anonymousRefusalDecision(
  written: AnonymousRefusalCounts,
  limits: AnonymousRefusalLimits = ANONYMOUS_REFUSAL_LIMITS,
): AnonymousRefusalDecision {
  if (written.all >= limits.perMinute) return "drop_all";
  if (written.sameAddress >= limits.perAddress) return "drop_address";
  return "write";
}

/** The summary row of a minute's dropped refusals (by client address; "unknown" for none). */
export function droppedRefusalsSummary(
  minute: number,
  dropped: ReadonlyMap<string, number>,
  limits: AnonymousRefusalLimits = ANONYMOUS_REFUSAL_LIMITS,
): {
  total: number;
  reason: string;
  after: {
    minute: string;
    dropped: number;
    byAddress: Record<string, number>;
    otherAddresses: number;
  };
} {
  const sorted = [...dropped].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  const named = sorted.slice(0, limits.addressesInSummary);
  const from = new Date(minute).toISOString();
  return {
    total,
    reason:
      `${total} more anonymous ${total === 1 ? "refusal" : "refusals"} dropped in the minute from ${from} ` +
      `(at most ${limits.perAddress} per client address and ${limits.perMinute} in all are written each minute)`,
    after: {
      minute: from,
      dropped: total,
      byAddress: Object.fromEntries(named),
      otherAddresses: sorted.length - named.length,
    },
  };
}
