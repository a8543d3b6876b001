/** Next.js calls this once when a server process starts: start the background worker there. */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startWorker } = await import("@/server/worker");
    startWorker();
  }
}
