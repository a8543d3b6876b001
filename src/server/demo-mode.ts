import "server-only";
import { parseDemoFlag } from "@/lib/config/demo-mode";

/**
 * Whether demo accounts may sign in. Whatever starts the web server (`npm start`) resolves
 * demo mode once (src/lib/config/demo-mode.ts) and passes the outcome as FLIGHTDECK_DEMO; a
 * server started any other way without it has demo mode off.
 */
export function demoMode(): boolean {
  try {
    return parseDemoFlag(process.env.FLIGHTDECK_DEMO) === true;
  } catch {
    return false;
  }
}

/**
 * Demo accounts are enabled outside the plain local demo: every page shows a banner. The
 * launcher marks the local demo with FLIGHTDECK_DEMO_LOCAL=1; anything else that enables demo
 * accounts gets the banner.
 */
export function demoBannerShown(): boolean {
  return demoMode() && process.env.FLIGHTDECK_DEMO_LOCAL !== "1";
}
