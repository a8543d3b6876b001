// `npm run reliability` (and `--short` in `npm test`): runs every scenario module in
// tests/reliability/scenarios/ in `order`, each against its own PostgreSQL and app processes
// from the production build, then prints one Markdown table of what each did and lost, with the
// machine it ran on. Exits non-zero when any scenario lost or broke anything, or threw.
//
//   npx tsx tests/reliability/run.ts [--short] [--only <name>[,<name>…]] [--write]
//
// --write puts the table into docs/reliability.md between its reliability markers.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Scenario, ScenarioResult } from "./scenario";
import net from "node:net";
import { ENTRY, harness, stopAll } from "./support/app";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SCENARIOS = path.join(import.meta.dirname, "scenarios");
const DOC = path.join(ROOT, "docs", "reliability.md");
const BEGIN = "<!-- reliability:begin -->";
const END = "<!-- reliability:end -->";

function parseArgs(argv: string[]) {
  const args = { short: false, write: false, only: null as string | null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--short") args.short = true;
    else if (arg === "--write") args.write = true;
    else if (arg === "--only") args.only = argv[++i] ?? null;
    else if (arg?.startsWith("--only=")) args.only = arg.slice("--only=".length);
    else {
      console.error(`unknown argument ${arg}; usage: run.ts [--short] [--only <name>] [--write]`);
      process.exit(2);
    }
  }
  return args;
}

/** The scenario modules, by `order`; a module that cannot be loaded is reported as a broken one. */
async function loadScenarios(): Promise<{ scenarios: Scenario[]; broken: ScenarioResult[] }> {
  const files = existsSync(SCENARIOS)
    ? readdirSync(SCENARIOS).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    : [];
  const scenarios: Scenario[] = [];
  const broken: ScenarioResult[] = [];
  for (const file of files.sort()) {
    const name = file.replace(/\.ts$/, "");
    try {
      const loaded = (await import(pathToFileURL(path.join(SCENARIOS, file)).href)) as {
        default?: Scenario;
      };
      const scenario = loaded.default;
      if (!scenario || typeof scenario.run !== "function") {
        throw new Error("no default export of a Scenario");
      }
      scenarios.push(scenario);
    } catch (error) {
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      broken.push({ name, figures: {}, failures: [`${file} could not be loaded: ${message}`] });
    }
  }
  scenarios.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
  return { scenarios, broken };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown CPU",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

function table(
  results: (ScenarioResult & { ms: number })[],
  context: { short: boolean; totalMs: number },
): string {
  const m = machine();
  const lines = [
    `| scenario | figures | failures |`,
    `| --- | --- | --- |`,
    ...results.map((r) => {
      const figures = [
        ...Object.entries(r.figures).map(([k, v]) => `${k}: ${v}`),
        `time: ${duration(r.ms)}`,
      ].join("; ");
      // The table stays readable: the first few failures, shortened (the log has them all).
      const shown = r.failures.slice(0, 3).map((f) => (f.length > 240 ? `${f.slice(0, 240)}…` : f));
      const more = r.failures.length > 3 ? [`and ${r.failures.length - 3} more`] : [];
      const failures = r.failures.length === 0 ? "none" : [...shown, ...more].join("; ");
      return `| ${cell(r.name)} | ${cell(figures)} | ${cell(failures)} |`;
    }),
    "",
    `${context.short ? "Short run" : "Full run"} (\`npx tsx tests/reliability/run.ts${context.short ? " --short" : ""}\`) ` +
      `in ${duration(context.totalMs)} on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ` +
      `Node ${m.node}, ${m.os}.`,
  ];
  return lines.join("\n");
}

async function writeDoc(markdown: string) {
  const block = `${BEGIN}\n\n${markdown}\n\n${END}`;
  let text: string;
  if (!existsSync(DOC)) {
    text = `# Reliability\n\nWhat \`npm run reliability\` does to Flightdeck with real processes and faults, and what it found.\n\n${block}\n`;
  } else {
    const current = readFileSync(DOC, "utf8");
    const start = current.indexOf(BEGIN);
    const end = current.indexOf(END);
    text =
      start < 0 || end < start
        ? `${current.trimEnd()}\n\n${block}\n`
        : current.slice(0, start) + block + current.slice(end + END.length);
  }
  // Formatted as the repository's format check wants it (it aligns the table's columns).
  const prettier = await import("prettier");
  const options = (await prettier.resolveConfig(DOC)) ?? {};
  writeFileSync(DOC, await prettier.format(text, { ...options, filepath: DOC }));
}

/**
 * Ports for `context.port()`, which is synchronous: taken in advance, each checked free, from a
 * range below the kernel's ephemeral ports (so outgoing connections do not take them meanwhile),
 * and never handed out twice in a run.
 */
const PORTS_PER_SCENARIO = 48;
let nextPort = 21_000 + Math.floor(Math.random() * 500) * 16;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

async function reservePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = nextPort++;
    if (nextPort > 32_000) nextPort = 21_000;
    if (await portFree(port)) ports.push(port);
  }
  return ports;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  if (!process.env.FLIGHTDECK_RELIABILITY_BUILD && !existsSync(ENTRY)) {
    console.error(
      `The reliability suite runs the production build, and ${path.relative(ROOT, ENTRY)} is missing: run \`npx tsx scripts/lib/build.ts\` first.`,
    );
    process.exit(1);
  }
  const loaded = await loadScenarios();
  let scenarios = loaded.scenarios;
  // With --only, a module that cannot be loaded matters only when it is the one asked for.
  let broken = loaded.broken;
  if (args.only) {
    const names = new Set(args.only.split(","));
    scenarios = scenarios.filter((s) => names.has(s.name));
    broken = broken.filter((b) => names.has(b.name));
    if (scenarios.length === 0 && broken.length === 0) {
      console.error(`no scenario named "${args.only}"`);
      process.exit(2);
    }
  }
  for (const b of broken) console.error(b.failures.join("\n"));
  const m = machine();
  console.log(
    `Reliability suite (${args.short ? "short" : "full"}): ${scenarios.length} scenario(s) on ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}`,
  );

  const results: (ScenarioResult & { ms: number })[] = broken.map((b) => ({ ...b, ms: 0 }));
  for (const scenario of scenarios) {
    const t0 = Date.now();
    const log = (line: string) =>
      console.log(`[${scenario.name} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
    harness.log = log;
    log("starting");
    try {
      const ports = await reservePorts(PORTS_PER_SCENARIO);
      const result = await scenario.run({
        short: args.short,
        log,
        port: () => {
          const port = ports.shift();
          if (port === undefined)
            throw new Error(`a scenario may take ${PORTS_PER_SCENARIO} ports`);
          return port;
        },
      });
      results.push({ ...result, ms: Date.now() - t0 });
      log(result.failures.length === 0 ? "passed" : `FAILED:\n  ${result.failures.join("\n  ")}`);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`threw: ${message}`);
      results.push({
        name: scenario.name,
        figures: {},
        failures: [`the scenario threw: ${error instanceof Error ? error.message : String(error)}`],
        ms: Date.now() - t0,
      });
    } finally {
      await stopAll();
    }
  }

  const markdown = table(results, { short: args.short, totalMs: Date.now() - started });
  console.log(`\n${markdown}\n`);
  if (args.write) {
    await writeDoc(markdown);
    console.log(`Wrote the table into ${path.relative(ROOT, DOC)}`);
  }
  const failed = results.filter((r) => r.failures.length > 0);
  console.log(
    failed.length === 0
      ? `Reliability: ${results.length} scenario(s) passed in ${duration(Date.now() - started)}`
      : `Reliability: ${failed.length} of ${results.length} scenario(s) failed: ${failed.map((r) => r.name).join(", ")}`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
}

await main();
