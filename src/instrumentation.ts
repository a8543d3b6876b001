/** Next.js calls this once when a server process starts: start the background worker there. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // The web server (scripts/web.ts) reports sign-ins it refused at the door through this.
    const { recordShedSignIns } = await import("@/server/auth/throttle");
    (
      globalThis as { flightdeckRecordShedSignIns?: typeof recordShedSignIns }
    ).flightdeckRecordShedSignIns = recordShedSignIns;
    const { startWorker } = await import("@/server/worker");
    startWorker();
  }
}
