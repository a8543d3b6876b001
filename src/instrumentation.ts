/**
 * Next.js calls this once when a server process starts: tracing (when configured), and the
 * background worker on `flightdeck worker` and the all-in-one demo (not on `flightdeck web`).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    // Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set, before anything that makes spans.
    const { startTracing } = await import("@/lib/telemetry/tracing");
    await startTracing();
    // The web server (scripts/web.ts) reports sign-ins it refused at the door through this.
    const { recordShedSignIns } = await import("@/server/auth/throttle");
    (
      globalThis as { flightdeckRecordShedSignIns?: typeof recordShedSignIns }
    ).flightdeckRecordShedSignIns = recordShedSignIns;
    const { startWorker } = await import("@/server/worker");
    startWorker();
  }
}
