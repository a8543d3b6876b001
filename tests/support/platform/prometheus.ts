import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../../scripts/lib/database";

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
const PROMTOOL = process.env.PROMTOOL_BIN ?? "/usr/bin/promtool";

/**
 * A model server's exposition at past instants, as one OpenMetrics file with timestamps that
 * `promtool tsdb create-blocks-from openmetrics` imports: `render(t)` gives the Prometheus text
 * format at t (ms), called at `from`, `from + stepMs`, … up to `to` in that order, so counters
 * grow across the range as a scraped process's would. OpenMetrics wants each family once,
 * named without a counter's `_total`, with each series' samples together in time order,
 * timestamps in seconds, and `# EOF` at the end.
 */
export function openMetricsHistory(
  render: (t: number) => string,
  from: number,
  to: number,
  stepMs: number,
): string {
  const families = new Map<string, { meta: string[]; series: Map<string, string[]> }>();
  for (let t = from; t <= to; t += stepMs) {
    let family: { meta: string[]; series: Map<string, string[]> } | undefined;
    for (const line of render(t).split("\n")) {
      if (!line) continue;
      const comment = /^# (HELP|TYPE) (\S+)(.*)$/.exec(line);
      if (comment) {
        const [, kind = "", name = "", rest = ""] = comment;
        const type = line.startsWith("# TYPE") ? rest.trim() : undefined;
        const familyName = name.replace(/_total$/, "");
        family = families.get(familyName);
        if (!family) {
          family = { meta: [], series: new Map() };
          families.set(familyName, family);
        }
        if (!family.meta.some((m) => m.startsWith(`# ${kind} `)))
          family.meta.push(`# ${kind} ${familyName}${type ? ` ${type}` : rest}`);
        continue;
      }
      if (line.startsWith("#")) continue;
      if (!family) throw new Error(`a sample before any # TYPE line: ${line}`);
      const key = line.slice(0, line.lastIndexOf(" "));
      const samples = family.series.get(key) ?? [];
      if (samples.length === 0) family.series.set(key, samples);
      samples.push(`${line} ${t / 1000}`);
    }
  }
  const out: string[] = [];
  for (const { meta, series } of families.values()) {
    out.push(...meta);
    for (const samples of series.values()) out.push(...samples);
  }
  out.push("# EOF", "");
  return out.join("\n");
}

export interface PrometheusServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real Prometheus whose TSDB holds `history` (OpenMetrics with timestamps) and nothing else:
 * promtool writes the history as blocks (aligned to Prometheus's 2-hour block ranges, one per
 * range the samples fall in), then Prometheus starts on that data directory with no scrape job,
 * so its head stays empty and never overlaps the blocks. Keep the history hours back (two
 * hours, say): then it would not overlap a head either, and Prometheus's own "now" is past its
 * 5-minute lookback, so every query must name its time (the adapter uses the app's clock).
 * Resolves once Prometheus logs that it is ready: an event, not a poll.
 */
export async function startPrometheus(history: string): Promise<PrometheusServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-prom-"));
  const data = path.join(dir, "data");
  const input = path.join(dir, "history.om");
  writeFileSync(input, history);
  await promisify(execFile)(PROMTOOL, [
    "tsdb",
    "create-blocks-from",
    "openmetrics",
    "-q",
    input,
    data,
  ]);
  rmSync(input);
  writeFileSync(path.join(dir, "prometheus.yml"), "scrape_configs: []\n");

  const port = await freePort();
  const prom: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${data}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=info",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => prom.once("exit", () => resolve()));
  let log = "";
  await new Promise<void>((resolve, reject) => {
    // Keep reading stderr for as long as it runs: a full pipe would block its logging.
    prom.stderr?.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000);
      if (log.includes("Server is ready to receive web requests")) resolve();
    });
    prom.once("error", reject);
    prom.once("exit", (code) =>
      reject(new Error(`Prometheus exited (${code}) before it was ready:\n${log}`)),
    );
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      if (prom.exitCode === null && prom.signalCode === null) prom.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
