// The fuzz run against one running app: learn its fixtures, fingerprint the database, send the
// payloads, fingerprint again, and judge.
import { readFileSync } from "node:fs";
import path from "node:path";
import { buildTargets, drawPayloads, type FuzzFixtures } from "./catalog";
import { changedTables, fingerprint, rowsChanged } from "./rows";
import { sendAll, type Outcome, type Verdict } from "./send";

export interface FuzzOptions {
  baseUrl: string;
  databaseUrl: string;
  /** Cookie header of a signed-in admin */
  cookie: string;
  /** an API token with every scope */
  token: string;
  /** `.next/standalone`, whose manifest maps server actions to ids */
  standaloneDir: string;
  total: number;
  seed: number;
  concurrency: number;
  log: (line: string) => void;
}

export interface FuzzReport {
  figures: Record<string, string | number>;
  failures: string[];
  outcomes: Outcome[];
}

/** `app/(dashboard)/admin/chaos/page` → `/admin/chaos`; null for a page with a dynamic segment. */
function pagePath(worker: string): string | null {
  if (!worker.endsWith("/page")) return null;
  const segments = worker
    .replace(/^app\//, "")
    .replace(/\/?page$/, "")
    .split("/")
    .filter((s) => s && !/^\(.*\)$/.test(s));
  if (segments.some((s) => s.includes("["))) return null;
  return `/${segments.join("/")}`;
}

export function actionFixtures(standaloneDir: string): FuzzFixtures["actions"] {
  const manifest = JSON.parse(
    readFileSync(
      path.join(standaloneDir, ".next", "server", "server-reference-manifest.json"),
      "utf8",
    ),
  ) as { node: Record<string, { exportedName?: string; workers: Record<string, unknown> }> };
  const out: FuzzFixtures["actions"] = {};
  for (const [id, entry] of Object.entries(manifest.node)) {
    if (!entry.exportedName) continue;
    const pages = Object.keys(entry.workers)
      .map(pagePath)
      .filter((p): p is string => p !== null);
    out[entry.exportedName] = { id, page: pages.sort((a, b) => a.length - b.length)[0] ?? "/" };
  }
  return out;
}

async function fixtures(o: FuzzOptions): Promise<FuzzFixtures> {
  const get = async (url: string) => {
    const res = await fetch(`${o.baseUrl}${url}`, { headers: { Cookie: o.cookie } });
    if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
    return res.text();
  };
  const slos = JSON.parse(await get("/api/v1/slos")) as { rows: { name: string }[] };
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: o.databaseUrl });
  await client.connect();
  const models = (await client.query<{ name: string }>(`SELECT name FROM "Model" ORDER BY name`))
    .rows;
  await client.end();
  return {
    actions: actionFixtures(o.standaloneDir),
    sloNames: slos.rows.map((r) => r.name),
    models: models.map((m) => m.name),
    opensloYaml: await get("/api/v1/slos/export?format=openslo"),
    configYaml: await get("/api/v1/config"),
  };
}

const FAILING: Verdict[] = ["server-error", "crash", "accepted", "unnamed"];

export async function fuzzApp(o: FuzzOptions): Promise<FuzzReport> {
  const f = await fixtures(o);
  const targets = buildTargets(f);
  const drawStarted = Date.now();
  const payloads = drawPayloads(targets, o.total, o.seed, o.log);
  o.log(
    `seed ${o.seed}: ${payloads.length} payloads over ${targets.length} targets drawn in ${Date.now() - drawStarted} ms`,
  );
  // A first authenticated call stamps the token's lastUsedAt before the fingerprint, and the
  // Overview loads the simulated fleet, whose row the first reader creates (a worker would).
  await fetch(`${o.baseUrl}/api/v1/me`, { headers: { Authorization: `Bearer ${o.token}` } });
  await (await fetch(`${o.baseUrl}/`, { headers: { Cookie: o.cookie } })).text();
  await (await fetch(`${o.baseUrl}/api/v1/chaos`, { headers: { Cookie: o.cookie } })).text();
  const before = await fingerprint(o.databaseUrl);
  const started = Date.now();
  const outcomes = await sendAll(
    o.baseUrl,
    payloads,
    { cookie: o.cookie, token: o.token },
    o.concurrency,
    (done) => o.log(`${done}/${payloads.length} sent`),
  );
  const seconds = (Date.now() - started) / 1000;
  const after = await fingerprint(o.databaseUrl);
  const changed = rowsChanged(before, after);

  const count = (v: Verdict) => outcomes.filter((x) => x.verdict === v).length;
  const perTarget = new Map<string, number>();
  for (const p of payloads) perTarget.set(p.target, (perTarget.get(p.target) ?? 0) + 1);
  const counts = [...perTarget.values()];
  for (const [t, n] of [...perTarget].sort()) o.log(`  ${String(n).padStart(5)}  ${t}`);
  const status4xx = outcomes.filter((x) => x.status >= 400 && x.status < 500).length;
  const actionRefusals = outcomes.filter(
    (x) =>
      x.payload.action && x.status < 400 && (x.verdict === "refused" || x.verdict === "unnamed"),
  ).length;

  const failures: string[] = [];
  for (const verdict of FAILING) {
    const bad = outcomes.filter((x) => x.verdict === verdict);
    if (bad.length === 0) continue;
    // One line per target and kind of breakage, with the first example to reproduce it.
    const groups = new Map<string, Outcome[]>();
    for (const x of bad) {
      const key = `${x.payload.target} · ${x.payload.how.replace(/ at .*| in an item|\(.*\)/g, "")} · ${x.code}`;
      groups.set(key, [...(groups.get(key) ?? []), x]);
    }
    for (const [key, xs] of groups) {
      const x = xs[0]!;
      const body = (x.payload.body ?? "").slice(0, 200);
      failures.push(
        `${verdict}: ${key} ×${xs.length} (e.g. ${x.payload.method} ${x.payload.url.slice(0, 120)} ${body} → ${x.status} ${x.excerpt.slice(0, 200)})`,
      );
    }
  }
  if (changed > 0)
    failures.push(`rows changed by refused payloads: ${changedTables(before, after).join(", ")}`);

  return {
    outcomes,
    failures,
    figures: {
      seed: o.seed,
      payloads: payloads.length,
      targets: `${perTarget.size} (${counts.length ? Math.min(...counts) : 0}–${counts.length ? Math.max(...counts) : 0} each)`,
      "reached validation": outcomes.filter((x) => x.validated).length,
      "4xx": status4xx,
      "action refusals (200, ok: false)": actionRefusals,
      "named the field": count("refused"),
      "tolerated reads (2xx)": count("tolerated"),
      "5xx / errors": count("server-error"),
      crashes: count("crash"),
      "accepted invalid": count("accepted"),
      "unnamed refusals": count("unnamed"),
      "401/403": count("unauthenticated"),
      "rows changed": changed,
      "req/s": Math.round(payloads.length / seconds),
    },
  };
}
