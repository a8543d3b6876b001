// The configuration reference cannot drift: every environment variable the code reads is a row
// of README.md's "Configuration reference" table (and every row is read by something), and
// every variable the app reads at runtime can be set in deploy/kubernetes: a key of the
// ConfigMap or a secretKeyRef of web or worker.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  configMapData,
  find,
  podTemplate,
  renderKustomization,
  ROOT,
  type KubeObject,
} from "./support";

/** Files whose environment reads are Flightdeck's, relative to the repository. */
function sourceFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return file === "src/generated" ? [] : walk(file);
      return /\.(ts|tsx|mjs|sh)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)
        ? [file]
        : [];
    });
  return [
    ...walk("src"),
    ...walk("scripts"),
    ...walk("bin"),
    ...walk("prisma"),
    "next.config.ts",
    "prisma.config.ts",
  ];
}

/**
 * Tools around the app, not the app (a path, or a folder ending in /): the command line,
 * `npm start`'s launcher, database and build helpers, the seed, the test setup. Every other
 * file under src/ and scripts/ (the web server, the built app's entry point) is the app at
 * runtime, whatever new file it grows.
 */
const NOT_RUNTIME = [
  "src/cli/",
  "prisma/",
  "scripts/flightdeck.ts",
  "scripts/with-db.ts",
  "scripts/seed.ts",
  "scripts/new-migration.ts",
  "scripts/generate-prometheus-rule.ts",
  "scripts/lib/build.ts",
  "scripts/lib/database.ts",
  "scripts/lib/run.ts",
  "scripts/test.sh",
  "scripts/ensure-chromium.sh",
  "scripts/ensure-kubectl.sh",
  "scripts/ensure-prometheus.sh",
  "bin/flightdeck.mjs",
  "next.config.ts",
];
const isRuntime = (file: string) =>
  !NOT_RUNTIME.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p));

/**
 * Reads through `process.env[name]` with a computed name: the names each file reads that way.
 * A new computed read fails the test until it is listed here.
 */
const COMPUTED_READS: Record<string, string[]> = {
  "src/server/fleet/platform.ts": ["PROMETHEUS_QUERIES", "PROMETHEUS_MODEL_QUERIES"],
  // notification channels' secrets, from the variables the fleet configuration file names
  // (secretFromEnv): chosen by whoever writes the file, not settings of Flightdeck's own
  "src/server/config/channels.ts": [],
};

/**
 * Read at runtime by libraries, not by our code: Auth.js takes AUTH_SECRET from the environment,
 * Next.js and React NODE_ENV.
 */
const READ_BY_LIBRARIES_AND_CONTRACT = ["AUTH_SECRET", "NODE_ENV"];

/** Read at runtime but not for a deployment to set: documented, not in the manifests. */
const NOT_SETTABLE: Record<string, string> = {
  NEXT_RUNTIME: "set by Next.js in each of its runtimes",
  KUBERNETES_SERVICE_HOST: "set by Kubernetes in every pod",
  NODE_ENV: "the image sets production (Dockerfile ENV)",
  NEXT_TELEMETRY_DISABLED: "the image sets 1 (Dockerfile ENV)",
  FLIGHTDECK_ROLE: "set by flightdeck.mjs from its command (web, worker, all)",
  FLIGHTDECK_DEMO_LOCAL: "set by npm start for the local demo only",
};

interface Reads {
  all: Map<string, Set<string>>;
  runtime: Set<string>;
  computed: Map<string, number>;
}

function environmentReads(): Reads {
  const all = new Map<string, Set<string>>();
  const runtime = new Set<string>();
  const computed = new Map<string, number>();
  const add = (name: string, file: string) => {
    if (!all.has(name)) all.set(name, new Set());
    all.get(name)?.add(file);
    if (isRuntime(file)) runtime.add(name);
  };
  for (const file of sourceFiles()) {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    const patterns = file.endsWith(".sh")
      ? [/\$\{?([A-Z][A-Z0-9_]*)/g]
      : [
          /process\.env\.([A-Z][A-Z0-9_]*)/g,
          /process\.env\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]/g,
          // an environment passed as a parameter (`env: Env = process.env`, then env.X)
          /\benv\.([A-Z][A-Z0-9_]*)\b/g,
          // settings read through src/lib/config/env.ts
          /\benv(?:Number|Text)\(\s*["']([A-Z][A-Z0-9_]*)["']/g,
        ];
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) if (match[1]) add(match[1], file);
    }
    for (const match of text.matchAll(/\{([^{}]*)\}\s*=\s*process\.env\b/g)) {
      for (const name of (match[1] ?? "").match(/\b[A-Z][A-Z0-9_]*\b/g) ?? []) add(name, file);
    }
    const dynamic = [...text.matchAll(/process\.env\[\s*(?!["'])/g)].length;
    if (dynamic > 0) computed.set(file, dynamic);
    for (const name of dynamic > 0 ? (COMPUTED_READS[file] ?? []) : []) add(name, file);
  }
  for (const name of READ_BY_LIBRARIES_AND_CONTRACT) add(name, "(library or contract)");
  return { all, runtime, computed };
}

interface Row {
  name: string;
  defaultValue: string;
  meaning: string;
}

/** The rows of the one table under `## Configuration reference`. */
function configurationReference(): Row[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Configuration reference\n"));
  if (!section) throw new Error('README.md has no "## Configuration reference" section');
  const lines = section.split("\n").filter((l) => l.startsWith("|"));
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
  expect(cells(lines[0] ?? "")).toEqual(["Variable", "Default", "Meaning"]);
  return lines.slice(2).map((line) => {
    const [name = "", defaultValue = "", meaning = ""] = cells(line);
    const variable = /^`([A-Z][A-Z0-9_]*)`$/.exec(name)?.[1];
    if (!variable) throw new Error(`README configuration row names no variable: ${line}`);
    return { name: variable, defaultValue, meaning };
  });
}

/** Rows for tools around the app, not the app: marked so in their meaning. */
const NOT_APP = /^_(Local|Build|Tests) only\._/;

let reads: Reads;
let rows: Row[];
let objects: KubeObject[];
beforeAll(() => {
  reads = environmentReads();
  rows = configurationReference();
  objects = renderKustomization();
});

/** What a deployment can set: ConfigMap keys, and env entries of web and worker. */
function settable(): Set<string> {
  const names = new Set(Object.keys(configMapData(objects)));
  for (const name of ["flightdeck-web", "flightdeck-worker"]) {
    for (const c of podTemplate(find(objects, "Deployment", name)).spec.containers) {
      for (const v of c.env ?? []) names.add(v.name);
    }
  }
  return names;
}

describe("the configuration reference", () => {
  it("finds the reads it knows of (the scanner works)", () => {
    const { all, runtime } = reads;
    const readIn = (name: string, file: string) => all.get(name)?.has(file) ?? false;
    expect(readIn("OIDC_CLIENT_SECRET", "src/server/auth/oidc.ts")).toBe(true); // env.X
    expect(readIn("FLIGHTDECK_IN_CLUSTER_NAME", "src/lib/platform/kubernetes/config.ts")).toBe(
      true,
    );
    expect(readIn("PROMETHEUS_MODEL_QUERIES", "src/server/fleet/platform.ts")).toBe(true);
    expect(readIn("KUBECTL_BIN", "scripts/ensure-kubectl.sh")).toBe(true); // ${X:-}
    expect(runtime.has("DATABASE_URL")).toBe(true);
    expect(runtime.has("FLIGHTDECK_DATA_DIR")).toBe(false);
  });

  it("lists every computed read of process.env", () => {
    expect(Object.fromEntries(reads.computed)).toEqual(
      Object.fromEntries(Object.keys(COMPUTED_READS).map((file) => [file, 1])),
    );
  });

  it("has one row per variable the code reads, and no row for one it does not", () => {
    const documented = rows.map((r) => r.name);
    expect(documented.length).toBe(new Set(documented).size);
    expect([...documented].sort()).toEqual([...reads.all.keys()].sort());
    for (const row of rows) {
      expect(row.defaultValue, row.name).not.toBe("");
      expect(row.meaning.length, row.name).toBeGreaterThan(10);
    }
  });

  it("marks the tools' variables, and only those, as not the app's", () => {
    for (const row of rows) {
      const marked = NOT_APP.test(row.meaning);
      expect(
        marked,
        `${row.name} is ${reads.runtime.has(row.name) ? "" : "not "}read at runtime`,
      ).toBe(!reads.runtime.has(row.name));
    }
  });

  it("can set every variable the app reads at runtime in deploy/kubernetes", () => {
    const canSet = settable();
    const missing = [...reads.runtime].filter((n) => !canSet.has(n) && !(n in NOT_SETTABLE));
    expect(missing).toEqual([]);
    // Nothing is set that the app does not read, and nothing it must not be given.
    for (const name of canSet) expect(reads.runtime.has(name), name).toBe(true);
    for (const name of Object.keys(NOT_SETTABLE)) {
      expect(canSet.has(name), name).toBe(false);
      expect(reads.all.has(name), `${name} is still read`).toBe(true);
    }
  });

  it("leaves a ConfigMap value empty only where the default is unset", () => {
    // `Number(process.env.X ?? 1000)` is 0 for an empty X: empty means unset only where the
    // code reads it so; elsewhere the ConfigMap spells out the default.
    const defaults = new Map(rows.map((r) => [r.name, r.defaultValue]));
    for (const [name, value] of Object.entries(configMapData(objects))) {
      if (value === "") expect(defaults.get(name), name).toMatch(/^(unset|none)\b/);
    }
  });
});
