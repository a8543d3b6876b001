#!/usr/bin/env node
// The `flightdeck` command: runs the TypeScript CLI through tsx, with the project's tsconfig so
// the `@/` import alias resolves from any working directory.
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
register({ tsconfig: path.join(root, "tsconfig.json") });
const { main } = await import(pathToFileURL(path.join(root, "src/cli/index.ts")).href);
process.exitCode = main(process.argv.slice(2));
