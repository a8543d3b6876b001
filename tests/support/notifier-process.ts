// A separate process that runs one pass of the notification worker, as a worker replica does,
// on DATABASE_URL from the environment. Tests kill it with SIGKILL while a receiver holds its
// request, to prove that a worker dying mid-send loses nothing and sends nothing twice that a
// receiver deduplicating on the event id would process twice.
//
// Usage: node --import tsx --import ./tests/support/server-only-hook.mjs \
//          tests/support/notifier-process.ts <clock ms>
import { ManualClock, installClock } from "../../src/lib/clock";
import { deliverNotifications } from "../../src/server/notifications/deliver";

const [at] = process.argv.slice(2);
if (!at) {
  console.error("usage: notifier-process.ts <clock ms>");
  process.exit(2);
}
const time = new ManualClock();
time.set(new Date(Number(at)));
installClock(time);
console.log("ready");
const report = await deliverNotifications();
console.log(JSON.stringify(report));
process.exit(0);
