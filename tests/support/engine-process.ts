// A separate process that drives one rollout with the rollout engine, as a worker replica does:
// FLIGHTDECK_PLATFORM=kubernetes with KUBECONFIG and DATABASE_URL from the environment. Tests
// kill it with SIGKILL at chosen points of a platform write (the API test server holds the
// request) to prove that a crash leaves neither a double step nor a stuck rollout.
//
// Usage: node --import tsx --import ./tests/support/server-only-hook.mjs \
//          tests/support/engine-process.ts <rollout id> <clock ms>
// The clock starts at the given time (the test's movable clock) and stands still.
import { ManualClock, installClock } from "../../src/lib/clock";
import type { KubernetesPlatform } from "../../src/lib/platform/kubernetes/platform";
import { fleetPlatform } from "../../src/server/fleet/platform";
import { driveRollout } from "../../src/server/rollouts/engine";

const [id, at] = process.argv.slice(2);
if (!id || !at) {
  console.error("usage: engine-process.ts <rollout id> <clock ms>");
  process.exit(2);
}
const time = new ManualClock();
time.set(new Date(Number(at)));
installClock(time);

const platform = fleetPlatform() as KubernetesPlatform;
await platform.ready();
console.log("ready");
const moved = await driveRollout(id);
console.log(moved ? "moved" : "idle");
await platform.stop();
process.exit(0);
