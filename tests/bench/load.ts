// Concurrent signed-in users on a running Flightdeck (loopback only, bounded in time): each user
// requests the listed pages one after another with no think time, reading every answer whole,
// and the run reports each page's latency and the errors. For the large fleet:
//
//   FLIGHTDECK_DATA_DIR=.flightdeck-large npx flightdeck seed --scale large
//   FLIGHTDECK_DATA_DIR=.flightdeck-large npm start          (the worker runs in it)
//   npm run load -- --url http://127.0.0.1:3000 --users 50 --seconds 60
//
// The same load runs first for --warmup seconds (30 by default; 0 skips it) and is not counted:
// a process just started compiles its rendering code as it goes, and the first run after a start
// was slower than the next ones in five of seven starts measured (by 3 to 28%).
//
// The demo people sign in (FLIGHTDECK_DEMO=1, the default of `npm start`); the detail pages are
// the first ones the list pages link to.
import { parseArgs } from "node:util";
import { runLoad, assertLoopback, type Page } from "../reliability/load/load";
import { signIn } from "../reliability/support/app";
import { fleetPages } from "./fleet-pages";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: "http://127.0.0.1:3000" },
    users: { type: "string", default: "50" },
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "30" },
    only: { type: "string" },
  },
});
const url = (values.url ?? "").replace(/\/$/, "");
assertLoopback(url);
const users = Number(values.users);
const seconds = Number(values.seconds);
if (!Number.isInteger(users) || users < 1 || users > 500) {
  throw new Error("--users must be a whole number from 1 to 500");
}
if (!Number.isFinite(seconds) || seconds < 1 || seconds > 600) {
  throw new Error("--seconds must be from 1 to 600");
}
const warmup = Number(values.warmup);
if (!Number.isFinite(warmup) || warmup < 0 || warmup > 600) {
  throw new Error("--warmup must be from 0 to 600 seconds");
}

const PEOPLE = ["viewer@flightdeck.demo", "release2@flightdeck.demo", "admin@flightdeck.demo"];

/** Sessions for `count` users, three at a time (the sign-in door admits four per address). */
async function sessions(count: number): Promise<string[]> {
  const cookies: string[] = [];
  while (cookies.length < count) {
    const batch = PEOPLE.slice(0, Math.min(PEOPLE.length, count - cookies.length));
    cookies.push(...(await Promise.all(batch.map((email) => signIn(url, email)))));
  }
  return cookies;
}

const cookies = await sessions(users);
const [me] = cookies;
if (!me) throw new Error("no session");
const pages: Page[] = (await fleetPages(url, me)).filter(
  (p) => !values.only || values.only.split(",").includes(p.name),
);

console.log(`${users} users for ${seconds} s on ${url}, after ${warmup} s not counted:`);
for (const p of pages) console.log(`  ${p.name.padEnd(15)} ${p.path}`);
if (warmup > 0) {
  const warm = await runLoad({ url, pages, cookies, durationMs: warmup * 1000 });
  console.log(`warm-up: ${warm.throughput.toFixed(1)} pages/s, ${warm.errors} errors`);
}
const report = await runLoad({ url, pages, cookies, durationMs: seconds * 1000 });
console.log(
  `\n${report.requests} pages in ${report.seconds.toFixed(0)} s (${report.throughput.toFixed(1)}/s), ${report.errors} errors${report.samples.length ? `: ${report.samples.join(", ")}` : ""}\n`,
);
console.log("| page | requests | p50 ms | p95 ms | max ms | errors |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const p of pages) {
  const f = report.pages[p.name];
  if (!f) continue;
  console.log(`| ${p.name} | ${f.requests} | ${f.p50} | ${f.p95} | ${f.max} | ${f.errors} |`);
}
process.exit(report.errors > 0 ? 1 : 0);
