/**
 * Sign-in throttling that slows password guessing without letting anyone lock a known account
 * out: failures are counted per (account, client address), so guesses from one address do not
 * stop the owner signing in from another; a much larger ceiling per account stops a guesser
 * spread over many addresses, but even then an address that has not failed may still try.
 * Only password failures count: a refused (throttled) attempt never extends the window.
 */

export const SIGN_IN_LIMITS = {
  /** failed passwords for one account from one address */
  perAccountAddress: 5,
  /** failed passwords from one address, whatever the accounts */
  perAddress: 20,
  /** failed passwords for one account from anywhere; beyond it, only clean addresses may try */
  perAccount: 100,
  windowMinutes: 15,
} as const;

/** Refusal reasons that are password failures, the only attempts the throttle counts. */
export const COUNTED_FAILURES = ["wrong password", "unknown user"] as const;

export interface SignInFailureCounts {
  /** this account from this address, in the window */
  accountAddress: number;
  /** this account from every address */
  account: number;
  /** this address, every account */
  address: number;
  /** the oldest failure of this account from this address still in the window */
  oldestAccountAddress: Date | null;
  /** the oldest failure from this address still in the window */
  oldestAddress: Date | null;
}

export type SignInThrottle =
  | { throttled: false }
  | { throttled: true; scope: "account_address" | "address" | "account"; message: string };

function minutesUntil(oldest: Date | null, now: Date): number {
  if (!oldest) return SIGN_IN_LIMITS.windowMinutes;
  const ms = oldest.getTime() + SIGN_IN_LIMITS.windowMinutes * 60_000 - now.getTime();
  return Math.min(SIGN_IN_LIMITS.windowMinutes, Math.max(1, Math.ceil(ms / 60_000)));
}

const plural = (n: number) => `${n} minute${n === 1 ? "" : "s"}`;

/**
 * Whether an attempt may check its password. `inFlight` counts attempts of the same account
 * and address (and of the address) already being checked, so a burst of parallel guesses
 * cannot all pass a limit that the failures not yet written would have reached.
 */
export function signInThrottle(
  counts: SignInFailureCounts,
  inFlight: { accountAddress: number; address: number },
  now: Date,
): SignInThrottle {
  const L = SIGN_IN_LIMITS;
  if (counts.accountAddress + inFlight.accountAddress >= L.perAccountAddress) {
    return {
      throttled: true,
      scope: "account_address",
      message: `Too many failed sign-ins for this account from your network address. Try again in ${plural(minutesUntil(counts.oldestAccountAddress, now))}.`,
    };
  }
  if (counts.address + inFlight.address >= L.perAddress) {
    return {
      throttled: true,
      scope: "address",
      message: `Too many failed sign-ins from your network address. Try again in ${plural(minutesUntil(counts.oldestAddress, now))}.`,
    };
  }
  if (counts.account >= L.perAccount && counts.accountAddress + inFlight.accountAddress > 0) {
    return {
      throttled: true,
      scope: "account",
      message: `This account has had many failed sign-ins. Try again in ${L.windowMinutes} minutes, or from another network.`,
    };
  }
  return { throttled: false };
}
