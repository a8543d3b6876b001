#!/usr/bin/env node
// The `flightdeck` command: runs the TypeScript CLI through tsx, with the project's tsconfig so
// the `@/` import alias resolves from any working directory.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const argv = process.argv.slice(2);

if (argv[0] === "admin" && !process.execArgv.includes("--conditions=react-server")) {
  // Database commands use the server's own modules, which refuse to load outside the server
  // ("server-only"): run them under the condition the server runs with.
  const run = spawnSync(
    process.execPath,
    ["--conditions=react-server", fileURLToPath(import.meta.url), ...argv],
    { stdio: "inherit" },
  );
  process.exit(run.status ?? 1);
}

register({ tsconfig: path.join(root, "tsconfig.json") });
if (argv[0] === "admin") {
  const { adminMain, processAdminIo } = await import(
    pathToFileURL(path.join(root, "src/cli/admin.ts")).href
  );
  process.exitCode = await adminMain(argv.slice(1), processAdminIo);
} else {
  const { main } = await import(pathToFileURL(path.join(root, "src/cli/index.ts")).href);
  process.exitCode = main(argv);
}
