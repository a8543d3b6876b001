#!/usr/bin/env node
// The `flightdeck` command.
// - web, worker, migrate: run the built app (`npm run build` makes .next/standalone, whose
//   flightdeck.mjs is also the container image's entry point); nothing is compiled at start.
// - admin, apply, diff, export, seed: database commands, run from the sources through tsx.
// - slo: file commands (no database), run from the sources through tsx.
import { existsSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);
const command = argv[0];

const runtimeCommands = new Set(["web", "worker", "migrate", "all"]);
const databaseCommands = new Set(["admin", "apply", "diff", "export", "seed"]);

if (runtimeCommands.has(command)) {
  const entry = path.join(root, ".next", "standalone", "flightdeck.mjs");
  if (!existsSync(entry)) {
    console.error("flightdeck: the app is not built. Run `npm run build` first.");
    process.exit(1);
  }
  const run = spawnSync(process.execPath, [entry, ...argv], { stdio: "inherit" });
  process.exit(run.status ?? 1);
}

if (databaseCommands.has(command) && !process.execArgv.includes("--conditions=react-server")) {
  // Database commands use the server's own modules, which refuse to load outside the server
  // ("server-only"): run them under the condition the server runs with.
  const run = spawnSync(
    process.execPath,
    ["--conditions=react-server", fileURLToPath(import.meta.url), ...argv],
    { stdio: "inherit" },
  );
  process.exit(run.status ?? 1);
}

const { register } = await import("tsx/esm/api");
register({ tsconfig: path.join(root, "tsconfig.json") });
const load = (file) => import(pathToFileURL(path.join(root, file)).href);
if (command === "admin") {
  const { adminMain, processAdminIo } = await load("src/cli/admin.ts");
  process.exitCode = await adminMain(argv.slice(1), processAdminIo);
} else if (command === "seed") {
  const { seedMain } = await load("src/cli/seed.ts");
  process.exitCode = await seedMain(argv.slice(1), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  });
} else if (databaseCommands.has(command)) {
  const { configMain } = await load("src/cli/config.ts");
  process.exitCode = await configMain(argv);
} else {
  const { main } = await load("src/cli/index.ts");
  process.exitCode = main(argv);
}
