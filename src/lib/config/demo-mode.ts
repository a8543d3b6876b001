/**
 * Demo mode: the seeded demo fleet and its demo accounts (public password). It must never
 * reach a real deployment by accident, so it is on by default only for the local demo that
 * `npm start` runs on its embedded database, and only an explicit FLIGHTDECK_DEMO=1 turns it
 * on anywhere else, with a banner on every page.
 */

const TRUE = ["1", "true", "yes"];
const FALSE = ["0", "false", "no"];

export class DemoFlagError extends Error {}

/** FLIGHTDECK_DEMO, strictly: true, false, or undefined when not given. */
export function parseDemoFlag(raw: string | undefined): boolean | undefined {
  const value = (raw ?? "").trim().toLowerCase();
  if (value === "") return undefined;
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new DemoFlagError(
    `FLIGHTDECK_DEMO must be one of 1, true, yes (demo on) or 0, false, no (demo off); got "${raw}".`,
  );
}

export interface DemoModeInput {
  /** FLIGHTDECK_DEMO as parsed */
  flag: boolean | undefined;
  /** the launcher started its own embedded PostgreSQL (DATABASE_URL not set) */
  embeddedDatabase: boolean;
  /** single sign-on is configured (OIDC_ISSUER) */
  oidcConfigured: boolean;
  /** NODE_ENV=production in the environment Flightdeck was started from */
  production: boolean;
  /** FLIGHTDECK_PLATFORM=kubernetes: real clusters, where a simulated demo fleet has no place */
  realClusters?: boolean;
}

export interface DemoMode {
  enabled: boolean;
  /** demo accounts are enabled outside the plain local demo: every page says so */
  banner: boolean;
  /** one line for the start log */
  explanation: string;
}

export function resolveDemoMode(input: DemoModeInput): DemoMode {
  const local =
    input.embeddedDatabase && !input.oidcConfigured && !input.production && !input.realClusters;
  if (input.flag === false) {
    return { enabled: false, banner: false, explanation: "Demo mode is off (FLIGHTDECK_DEMO=0)." };
  }
  if (input.flag === true) {
    return {
      enabled: true,
      banner: !local,
      explanation: local
        ? "Demo mode is on (FLIGHTDECK_DEMO=1): demo fleet and demo sign-ins."
        : "Demo mode is on by FLIGHTDECK_DEMO=1 outside the local demo: demo accounts can sign in with a public password, and every page says so.",
    };
  }
  if (local) {
    return {
      enabled: true,
      banner: false,
      explanation:
        "Demo mode is on (embedded database): demo fleet and demo sign-ins. FLIGHTDECK_DEMO=0 turns it off.",
    };
  }
  const because = !input.embeddedDatabase
    ? "DATABASE_URL is set"
    : input.oidcConfigured
      ? "single sign-on is configured"
      : input.production
        ? "NODE_ENV=production"
        : "FLIGHTDECK_PLATFORM=kubernetes reads real clusters";
  return {
    enabled: false,
    banner: false,
    explanation: `Demo mode is off because ${because}: no demo data, no demo accounts (FLIGHTDECK_DEMO=1 turns it on).`,
  };
}
