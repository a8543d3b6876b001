// A small load generator for Flightdeck's pages: N virtual users, each with its own signed-in
// session cookie, request their pages one after the other (no think time) for a fixed time,
// reading every answer whole, as a browser's navigation would. Loopback only: it refuses any
// other host, so it can never be pointed at someone else's server.
import { percentile } from "../support/rollouts";

export interface Page {
  /** the name figures are reported under, e.g. "overview" */
  name: string;
  /** the path to request, e.g. "/" */
  path: string;
}

export interface LoadOptions {
  /** http://127.0.0.1:<port> */
  url: string;
  pages: Page[];
  /** one session cookie per virtual user */
  cookies: string[];
  durationMs: number;
  /** a request slower than this counts as an error (and stops waiting) */
  timeoutMs?: number;
}

export interface PageFigures {
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  users: number;
  seconds: number;
  requests: number;
  errors: number;
  /** answered requests per second */
  throughput: number;
  pages: Record<string, PageFigures>;
  /** the first few errors, for the report: "rollouts: 500", "slo: timeout" */
  samples: string[];
  /** errors by what they were: "500", "timeout", "error page" */
  kinds: Record<string, number>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host)) throw new Error(`the load generator runs on loopback only, not ${host}`);
}

/**
 * What went wrong with an answer, or null for a good page. A page whose data could not be read
 * may still answer 200 (the section's error boundary, streamed after the layout): its HTML then
 * carries React's digest of the error. A part the server leaves to the browser on purpose (a
 * chart loaded after the first paint) carries an empty digest, or Next.js's bail-out code in
 * development, and is not a problem.
 */
export function pageProblem(status: number, body: string): string | null {
  if (status !== 200) return String(status);
  if (
    /data-dgst="(?!NEXT_HTTP_ERROR_FALLBACK|NEXT_REDIRECT|BAILOUT_TO_CLIENT_SIDE_RENDERING)[^"]/.test(
      body,
    )
  )
    return "error page";
  return null;
}

/** Runs the load and reports latency per page (ms), errors and throughput. */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  assertLoopback(options.url);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const latencies = new Map<string, number[]>(options.pages.map((p) => [p.name, []]));
  const errors = new Map<string, number>(options.pages.map((p) => [p.name, 0]));
  const kinds: Record<string, number> = {};
  const samples: string[] = [];
  const started = performance.now();
  const deadline = started + options.durationMs;

  const user = async (cookie: string, index: number) => {
    // Each user starts on a different page, so every page is loaded all along.
    for (let i = index; performance.now() < deadline; i++) {
      const page = options.pages[i % options.pages.length];
      if (!page) break;
      const sent = performance.now();
      let problem: string | null;
      try {
        const res = await fetch(`${options.url}${page.path}`, {
          headers: { cookie, accept: "text/html" },
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
        });
        problem = pageProblem(res.status, await res.text());
      } catch (error) {
        problem = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "refused";
      }
      const ms = performance.now() - sent;
      latencies.get(page.name)?.push(ms);
      if (problem) {
        errors.set(page.name, (errors.get(page.name) ?? 0) + 1);
        kinds[problem] = (kinds[problem] ?? 0) + 1;
        if (samples.length < 10) samples.push(`${page.name}: ${problem}`);
      }
    }
  };
  // Every request is bounded by its timeout; this bounds the run even if a connection hangs
  // in a way the timeout does not reach (a stalled body), so a run always reports.
  let hung = false;
  await Promise.race([
    Promise.all(options.cookies.map((cookie, i) => user(cookie, i))),
    new Promise<void>((resolve) =>
      setTimeout(
        () => {
          hung = true;
          resolve();
        },
        options.durationMs + timeoutMs + 5_000,
      ).unref(),
    ),
  ]);
  if (hung) {
    kinds["hung"] = (kinds["hung"] ?? 0) + 1;
    samples.push("some requests never ended");
  }

  const seconds = (performance.now() - started) / 1000;
  const pages: Record<string, PageFigures> = {};
  let requests = 0;
  let errorCount = 0;
  for (const page of options.pages) {
    const ms = latencies.get(page.name) ?? [];
    const failed = errors.get(page.name) ?? 0;
    requests += ms.length;
    errorCount += failed;
    pages[page.name] = {
      requests: ms.length,
      errors: failed,
      p50: Math.round(percentile(ms, 50)),
      p95: Math.round(percentile(ms, 95)),
      p99: Math.round(percentile(ms, 99)),
      max: Math.round(Math.max(0, ...ms)),
    };
  }
  return {
    users: options.cookies.length,
    seconds: Math.round(seconds * 10) / 10,
    requests,
    errors: errorCount + (hung ? 1 : 0),
    throughput: Math.round((requests / seconds) * 10) / 10,
    pages,
    samples,
    kinds,
  };
}
