// The production build, made only when what goes into it changed (a fingerprint of the sources
// in .next/flightdeck-build-stamp). `npm start` calls it before serving; `npm test` runs it
// (`tsx scripts/lib/build.ts`) beside the unit and integration tests, so the browser tests'
// app starts on a build already made.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { runBin } from "./run";

/**
 * A fingerprint of everything that goes into the production build: paths and contents, not
 * modification times. Every start runs `prisma generate`, which rewrites the generated client
 * with the same contents; with times in the fingerprint, a second instance started from the
 * same checkout (the browser tests start two) rebuilt the app under the running one.
 */
function sourceFingerprint(): string {
  const hash = createHash("sha256");
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) {
      for (const entry of readdirSync(p).sort()) walk(path.join(p, entry));
    } else {
      const content = readFileSync(p);
      hash.update(`${p}:${content.length}\n`);
      hash.update(content);
    }
  };
  for (const p of [
    "src",
    "public",
    "next.config.ts",
    "package-lock.json",
    "prisma/schema.prisma",
    "postcss.config.mjs",
    "tsconfig.json",
    "tsconfig.app.json",
  ]) {
    walk(p);
  }
  return hash.digest("hex");
}

/** Builds the app unless the last build was made from these very sources. */
export async function buildIfChanged(
  env: Record<string, string>,
  log: (message: string) => void,
): Promise<void> {
  const stampFile = path.join(".next", "flightdeck-build-stamp");
  const fingerprint = sourceFingerprint();
  const built = existsSync(path.join(".next", "BUILD_ID")) && existsSync(stampFile);
  if (built && readFileSync(stampFile, "utf8") === fingerprint) return;
  log("Building the app (first start or sources changed; about a minute)…");
  await runBin("next", ["build"], env);
  writeFileSync(stampFile, fingerprint);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await buildIfChanged({ NEXT_TELEMETRY_DISABLED: "1" }, (m) => console.log(`[build] ${m}`));
}
