import "server-only";

/** Demo mode (the default) lets the seeded demo users sign in; FLIGHTDECK_DEMO=0 turns it off. */
export function demoMode(): boolean {
  return process.env.FLIGHTDECK_DEMO !== "0";
}
