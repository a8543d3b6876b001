// A CPU profile of part of a benchmark, for Chrome DevTools or any .cpuprofile viewer: set
// FLIGHTDECK_BENCH_PROFILE to a directory and the benchmark writes one there for the phase it
// measures (the set-up is left out, unlike `node --cpu-prof`, which vitest's workers do not take).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Session } from "node:inspector/promises";

export async function profiled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.FLIGHTDECK_BENCH_PROFILE;
  if (!dir) return work();
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  try {
    return await work();
  } finally {
    const { profile } = await session.post("Profiler.stop");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`CPU profile of ${name}: ${file}`);
    session.disconnect();
  }
}
