#!/usr/bin/env node
// The `flightdeck` command: runs the TypeScript CLI through tsx, with the project's tsconfig so
// the `@/` import alias resolves from any working directory.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
register({ tsconfig: path.join(root, "tsconfig.json") });
const argv = process.argv.slice(2);
if (argv[0] === "admin") {
  // Database commands live apart from the file commands, which need no database.
  const { adminMain, processAdminIo } = await import(
    pathToFileURL(path.join(root, "src/cli/admin.ts")).href
  );
  process.exitCode = await adminMain(argv.slice(1), processAdminIo);
} else {
  const { main } = await import(pathToFileURL(path.join(root, "src/cli/index.ts")).href);
  process.exitCode = main(argv);
}
