/**
 * Sign-in requests admitted at the door, before Next.js and Auth.js spend anything on them.
 * A person signs in one request at a time, so more than a few in flight from one address is a
 * flood: the excess is refused at once with 429 (about a tenth of a millisecond each, where a
 * sign-in the app handles costs over ten), and health checks, the rollout engine and other
 * people's actions keep their normal latency. What is refused is counted, to be reported.
 */

export interface SignInGateLimits {
  /** sign-in requests in flight from one address */
  perAddress: number;
  /** sign-in requests in flight in this process */
  total: number;
}

export const SIGN_IN_GATE_LIMITS: SignInGateLimits = { perAddress: 4, total: 32 };

/** The sign-in form's server action (a POST to /sign-in) and Auth.js's credentials callback. */
export function isSignInRequest(method: string | undefined, url: string | undefined): boolean {
  if (method !== "POST" || !url) return false;
  const path = url.split("?")[0] ?? "";
  return path === "/sign-in" || path === "/api/auth/callback/credentials";
}

export interface ShedSignIns {
  refused: number;
  /** the address with most refusals, and how many */
  topAddress: string | null;
  topCount: number;
  addresses: number;
}

export class SignInGate {
  private inFlight = 0;
  private readonly byAddress = new Map<string, number>();
  private shed = new Map<string, number>();

  constructor(private readonly limits: SignInGateLimits = SIGN_IN_GATE_LIMITS) {}

  /** Admits a request (returns the function that ends it) or refuses it (null). */
  admit(address: string | null): (() => void) | null {
    const key = address ?? "unknown";
    const mine = this.byAddress.get(key) ?? 0;
    if (mine >= this.limits.perAddress || this.inFlight >= this.limits.total) {
      this.shed.set(key, (this.shed.get(key) ?? 0) + 1);
      return null;
    }
    this.inFlight += 1;
    this.byAddress.set(key, mine + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
      const left = (this.byAddress.get(key) ?? 1) - 1;
      if (left <= 0) this.byAddress.delete(key);
      else this.byAddress.set(key, left);
    };
  }

  /** What was refused since the last call, or null when nothing was. */
  takeShed(): ShedSignIns | null {
    if (this.shed.size === 0) return null;
    const entries = [...this.shed];
    this.shed = new Map();
    const [topAddress, topCount] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
    return {
      refused: entries.reduce((n, [, c]) => n + c, 0),
      topAddress: topAddress === "unknown" ? null : topAddress,
      topCount,
      addresses: entries.length,
    };
  }
}
