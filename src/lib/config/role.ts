/**
 * Whether this process runs the background loops: `flightdeck worker`, or the all-in-one demo
 * (`npm start`, `npm run dev`). `flightdeck web` does not (FLIGHTDECK_ROLE, set by the entry
 * point; FLIGHTDECK_WORKER=0 turns the loops off anywhere).
 */
export function runsWorker(env: Record<string, string | undefined> = process.env): boolean {
  if (env.FLIGHTDECK_WORKER === "0") return false;
  const role = env.FLIGHTDECK_ROLE ?? "all";
  return role === "worker" || role === "all";
}
