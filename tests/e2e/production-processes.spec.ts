// Flightdeck run as production runs it: built once (`npm run build`, made before the browser
// tests), started from a read-only copy of the build, as `flightdeck migrate`, two `flightdeck
// web` and two `flightdeck worker` processes on one PostgreSQL, with the demo off, driving
// Kubernetes API test servers. The fleet comes from a flightdeck.yaml applied with the CLI;
// people sign in through an OpenID Connect provider. A rollout started on one web process is
// watched to the end on the other, while the worker holding it is killed mid-write.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { ensureDatabase, type DatabaseHandle } from "../../scripts/lib/database";
import { startTestClusters, type TestClusters } from "../support/kube";
import { twoClusterFleet } from "../support/kube/fleet-objects";
import { OIDC_CLIENT, startOidcProvider } from "./support/oidc-provider";

const first = Number(process.env.E2E_PORT ?? 3100) + 6;
const OIDC_PORT = first;
const WEB = [first + 1, first + 2];
const WORKERS = [first + 3, first + 4];
const base = (port: number) => `http://localhost:${port}`;
const METRICS_TOKEN = randomBytes(16).toString("hex");
const WEST = "eks-eu-west-1";

test.describe.configure({ mode: "serial" });

let dir: string;
let app: string;
let database: DatabaseHandle;
let clusters: TestClusters;
let stopOidc: () => Promise<void>;
let env: NodeJS.ProcessEnv;
let before: string;
/** What the processes exported to the OpenTelemetry collector (OTLP/HTTP JSON bodies). */
const traces: string[] = [];
let collector: Server;
const processes = new Map<number, { child: ChildProcess; output: () => string }>();

/** Every path under `root` with its size and modification time: what a start may not change. */
function snapshot(root: string): string {
  const lines: string[] = [];
  const walk = (p: string) => {
    const s = statSync(p);
    lines.push(`${path.relative(root, p)} ${s.size} ${s.mtimeMs}`);
    if (s.isDirectory()) for (const e of readdirSync(p).sort()) walk(path.join(p, e));
  };
  walk(root);
  return lines.join("\n");
}

function start(command: "web" | "worker", port: number) {
  let output = "";
  const child = spawn(process.execPath, [path.join(app, "flightdeck.mjs"), command], {
    cwd: os.tmpdir(),
    env: { ...env, PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  processes.set(port, { child, output: () => output });
}

async function ready(port: number) {
  await expect(async () => {
    const proc = processes.get(port);
    if (proc?.child.exitCode !== null) throw new Error(`exited: ${proc?.output()}`);
    const res = await fetch(`${base(port)}/api/health/ready`);
    expect(res.status, await res.text()).toBe(200);
  }).toPass({ timeout: 90_000 });
}

async function sql<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

async function metrics(port: number): Promise<string> {
  const res = await fetch(`${base(port)}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return res.text();
}

/** A metric's value summed over its series whose labels include `labels`. */
function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

const FLEET = `apiVersion: flightdeck.dev/v1
kind: FleetConfig
teams:
  - { slug: search, name: Search & Ranking }
  - { slug: risk, name: Risk }
regions:
  - { code: us-east-1, name: US East }
  - { code: eu-west-1, name: EU West }
environments:
  - { name: production/us-east-1, requiredApprovals: 1, promotionsOnly: false }
  - { name: production/eu-west-1, requiredApprovals: 1, promotionsOnly: false }
models:
  - name: ranker-xl
    displayName: Ranker XL
    task: ranking
    description: Search ranking
    team: search
  - name: fraud-scorer
    displayName: Fraud scorer
    task: classification
    team: risk
`;

test.beforeAll(async () => {
  test.setTimeout(5 * 60_000);
  const built = path.join(".next", "standalone", "flightdeck.mjs");
  expect(statSync(built).isFile(), "npm run build made the app").toBe(true);
  dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-prod-"));
  chmodSync(dir, 0o755);
  // The build, copied as an image would hold it, and made read-only.
  app = path.join(dir, "app");
  // Links kept as they are, as COPY in the Dockerfile keeps them.
  cpSync(path.join(".next", "standalone"), app, { recursive: true, verbatimSymlinks: true });
  spawnSync("chmod", ["-R", "a-w", app]);
  before = snapshot(app);

  clusters = await startTestClusters(twoClusterFleet().clusters, { bookmarkIntervalMs: 5_000 });
  const saved = process.env.DATABASE_URL;
  delete process.env.DATABASE_URL;
  try {
    database = await ensureDatabase({ dataDir: path.join(dir, "db") });
  } finally {
    if (saved) process.env.DATABASE_URL = saved;
  }
  stopOidc = await startOidcProvider(
    OIDC_PORT,
    WEB.flatMap((p) => [base(p), `http://127.0.0.1:${p}`]),
  );
  // A stand-in OpenTelemetry collector: OTLP over HTTP, bodies kept.
  collector = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      if (req.url === "/v1/traces") traces.push(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
  const collectorPort = (collector.address() as { port: number }).port;
  env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" };
  Object.assign(env, {
    DATABASE_URL: database.url,
    AUTH_SECRET: randomBytes(33).toString("base64"),
    AUTH_TRUST_HOST: "true",
    FLIGHTDECK_DEMO: "0",
    FLIGHTDECK_PLATFORM: "kubernetes",
    KUBECONFIG: clusters.kubeconfig,
    OIDC_ISSUER: `http://127.0.0.1:${OIDC_PORT}`,
    OIDC_CLIENT_ID: OIDC_CLIENT.id,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    OIDC_NAME: "Company SSO",
    OIDC_ROLE_MAP: "sre-oncall=release_manager",
    OIDC_TEAM_MAP: "sre-oncall=search",
    FLIGHTDECK_METRICS_TOKEN: METRICS_TOKEN,
    LOG_LEVEL: "info",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
    OTEL_BSP_SCHEDULE_DELAY: "500",
    FLIGHTDECK_DRAIN_SECONDS: "5",
  });

  // The migration Job, then the replicas.
  const migrate = spawnSync(process.execPath, [path.join(app, "flightdeck.mjs"), "migrate"], {
    env,
    encoding: "utf8",
  });
  expect(migrate.status, migrate.stdout + migrate.stderr).toBe(0);
  expect(migrate.stdout).toMatch(/"msg":"Applied \d+ migration\(s\)"/);
  for (const port of WEB) start("web", port);
  for (const port of WORKERS) start("worker", port);
  for (const port of [...WEB, ...WORKERS]) await ready(port);

  // The platform team's fleet, as code, applied with the image's own command (a Job would).
  const file = path.join(dir, "flightdeck.yaml");
  writeFileSync(file, FLEET);
  const config = (command: string) =>
    spawnSync(process.execPath, [path.join(app, "flightdeck.mjs"), command, "-f", file], {
      env,
      encoding: "utf8",
    });
  const apply = config("apply");
  expect(apply.status, apply.stdout + apply.stderr).toBe(0);
  expect(apply.stdout).toContain("Applied, in one transaction (audit action config.apply).");
  const again = config("diff");
  expect(again.stdout).toContain("No changes: the fleet already matches the file.");
  // Versions come from CI through the registry API in real life; here, rows.
  for (const version of ["2.1.0", "2.2.0"]) {
    await sql(
      `INSERT INTO "ModelVersion" (id, "modelId", version, "imageDigest", "artifactUri", "trainingRunId",
         "datasetDigest", "codeCommit", "baseImageDigest", "evalMetrics", "createdBy")
       SELECT $1, id, $2, $3, $4, 'run-1', 'sha256:d', 'c0ffee', 'sha256:b', '{}', 'ci'
       FROM "Model" WHERE name = 'ranker-xl'`,
      [
        `mv-ranker-${version}`,
        version,
        `registry.example.com/ranker-xl@sha256:${Buffer.from(version).toString("hex").padEnd(64, "0")}`,
        `s3://models/ranker-xl/${version}`,
      ],
    );
  }
  // A worker mirrors the clusters: ranker-xl's Argo Rollout in eu-west-1 is found.
  await expect(async () => {
    const rows = await sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "Deployment" d JOIN "Model" m ON m.id = d."modelId"
       WHERE m.name = 'ranker-xl'`,
    );
    expect(rows[0]?.n ?? 0).toBeGreaterThanOrEqual(1);
  }).toPass({ timeout: 60_000 });
});

test.afterAll(async () => {
  for (const { child } of processes.values()) if (child.exitCode === null) child.kill("SIGTERM");
  await Promise.all(
    [...processes.values()].map(
      ({ child }) =>
        new Promise<void>((resolve) =>
          child.exitCode !== null || child.signalCode !== null
            ? resolve()
            : child.once("exit", () => resolve()),
        ),
    ),
  );
  await stopOidc?.();
  await new Promise<void>((resolve) => (collector ? collector.close(() => resolve()) : resolve()));
  await clusters?.stop();
  await database?.stop();
  if (dir) {
    spawnSync("chmod", ["-R", "u+w", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

async function ssoSignIn(page: Page, port: number) {
  await page.goto(`${base(port)}/sign-in`);
  await expect(page.getByText("admin@flightdeck.demo")).toHaveCount(0);
  await page.getByRole("button", { name: "Sign in with Company SSO" }).click();
  await page.locator("input[name=login]").fill("sso-oncall");
  await page.locator("input[name=password]").fill("any");
  await page.locator("button[type=submit]").click();
  await page.locator("button[type=submit]", { hasText: /continue/i }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByTestId("current-role")).toHaveText("Release manager");
}

// Runs by itself after the other journeys (@alone): its four app processes, API servers and
// identity provider would take the cores their timed steps need.
test(
  "a rollout started on one web replica completes on the other, through a worker killed mid-write",
  {
    tag: "@alone",
  },
  async ({ browser }) => {
    test.setTimeout(4 * 60_000);
    const one = await browser.newPage();
    const other = await browser.newPage();
    await ssoSignIn(one, WEB[0]!);
    await ssoSignIn(other, WEB[1]!);

    // Started on the first web process.
    await one.goto(`${base(WEB[0]!)}/rollouts/new`);
    const form = one.getByRole("form", { name: "Start a rollout" });
    await form.getByLabel("Model").selectOption("ranker-xl");
    await form.getByLabel("Version").selectOption("2.2.0");
    // After the timed pause a worker takes the next step (web processes act only on commands).
    await form.getByLabel("Steps, one per line").fill("weight 30\npause 20s\nweight 100");
    await form.getByLabel("Waves, one per line").fill("production/eu-west-1");
    one.once("dialog", (d) => void d.accept());
    await form.getByRole("button", { name: "Start rollout" }).click();
    await expect(one).toHaveURL(/\/rollouts\/c[a-z0-9]+$/);
    const id = one.url().split("/").pop()!;

    // Watched on the second.
    await other.goto(`${base(WEB[1]!)}/rollouts/${id}`);
    await expect(other.getByTestId("rollout-weight")).toHaveText(/^30% on 2\.2\.0/, {
      timeout: 60_000,
    });

    // The web process that started it drives its first steps at once (30%, then the pause) under
    // its own claim; "30%" can show before that claim's last write (the pause) is done. Wait for
    // the claim to end with the pause on the platform, so the next write is a worker's.
    await expect
      .poll(
        async () => {
          const [r] = await sql<{
            status: string;
            platformSynced: boolean;
            leaseOwner: string | null;
          }>(`SELECT status, "platformSynced", "leaseOwner" FROM "Rollout" WHERE id = $1`, [id]);
          return r ? `${r.status} synced=${r.platformSynced} claimed=${r.leaseOwner !== null}` : "";
        },
        { timeout: 15_000 },
      )
      .toBe("paused synced=true claimed=false");

    // The API server holds the next write to the Rollout: the 100% step after the pause.
    const west = clusters.server(WEST);
    const held = west.hold({ resource: "rollouts", verb: "patch" });
    await held.reached;
    // The worker whose claim holds the rollout is killed while its write is in flight.
    const [row] = await sql<{ leaseOwner: string | null }>(
      `SELECT "leaseOwner" FROM "Rollout" WHERE id = $1`,
      [id],
    );
    const pid = Number(row?.leaseOwner?.split("/")[1]);
    const victim = [...processes.entries()].find(([, p]) => p.child.pid === pid);
    expect(victim, `a worker holds the claim (${row?.leaseOwner})`).toBeDefined();
    expect(WORKERS).toContain(victim![0]);
    victim![1].child.kill("SIGKILL");
    held.drop(); // the write never reached the cluster
    const survivor = WORKERS.find((p) => p !== victim![0])!;

    // The other worker takes the claim over when it runs out and finishes the rollout.
    await expect(other.getByTestId("rollout-live")).toHaveAttribute("data-status", "completed", {
      timeout: 120_000,
    });
    await expect(other.getByTestId("rollout-weight")).toHaveText(/^100% on 2\.2\.0/);
    const steps = await sql<{ message: string; n: number }>(
      `SELECT message, count(*)::int AS n FROM "RolloutEvent" WHERE "rolloutId" = $1 AND kind = 'step_applied'
     GROUP BY message`,
      [id],
    );
    expect(
      steps.every((s) => s.n === 1),
      JSON.stringify(steps),
    ).toBe(true);
    // Every change by a person has its audit row, carrying the request id its log line has.
    const audits = await sql<{ action: string; requestId: string }>(
      `SELECT action, "requestId" FROM "AuditEvent"
     WHERE "actorEmail" = 'sso-oncall@sso.example.com' AND outcome = 'allowed'
       AND action LIKE 'rollout.%' ORDER BY at`,
    );
    expect(audits.map((a) => a.action)).toEqual(["rollout.start"]);
    const logs = [...WEB.map((p) => processes.get(p)!.output())].join("");
    for (const audit of audits) expect(logs).toContain(`"requestId":"${audit.requestId}"`);

    // The engine's metrics moved: passes, platform writes, loop ticks (on whichever live
    // process did the work; each process exposes its own).
    const scraped = await metrics(survivor);
    const live = [scraped, ...(await Promise.all(WEB.map((p) => metrics(p))))];
    const engineLines = live
      .map((t) =>
        t
          .split("\n")
          .filter((l) => /^flightdeck_(engine|platform)/.test(l))
          .join("\n"),
      )
      .join("\n---\n");
    const total = (name: string, labels: Record<string, string> = {}) =>
      live.reduce((n, t) => n + sum(t, name, labels), 0);
    expect(
      sum(scraped, "flightdeck_engine_step_duration_seconds_count"),
      engineLines,
    ).toBeGreaterThan(0);
    expect(
      total("flightdeck_platform_write_duration_seconds_count", {
        driver: "kubernetes",
        outcome: "ok",
      }),
      engineLines,
    ).toBeGreaterThan(0);
    const lag = /^flightdeck_engine_loop_lag_seconds (\S+)$/m.exec(scraped);
    expect(lag, "the survivor's engine reports its lag").not.toBeNull();
    expect(Number(lag?.[1])).toBeLessThan(5);
    // A web process runs no engine: it has no lag series (a 0 would hide a stalled worker).
    expect(live[2]).not.toMatch(/^flightdeck_engine_loop_lag_seconds /m);
    expect(scraped).toMatch(/flightdeck_fleet_sync_age_seconds\{cluster="eks-eu-west-1"\}/);
    // The web processes count pages by route, and a worker serves nothing else.
    const web = await metrics(WEB[1]!);
    expect(
      sum(web, "flightdeck_http_request_duration_seconds_count", { route: "/rollouts/[id]" }),
    ).toBeGreaterThan(0);
    // The start was a server action on the first.
    expect(
      sum(await metrics(WEB[0]!), "flightdeck_server_action_duration_seconds_count", {
        action: "rollout.start",
        outcome: "ok",
      }),
    ).toBe(1);
    expect((await fetch(`${base(survivor)}/rollouts/${id}`)).status).toBe(404);
    expect((await fetch(`${base(survivor)}/metrics`)).status).toBe(401);
    // A client cannot choose the id its requests' audit rows carry (no proxy is trusted here).
    const chosen = await fetch(`${base(WEB[0]!)}/api/health/live`, {
      headers: { "x-request-id": "client-chosen-id-0001" },
    });
    expect(chosen.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // Traces reached the collector: Next.js's spans of the web requests, and the engine's.
    await expect(() => {
      const all = traces.join("\n");
      expect(all).toContain('"flightdeck.role","value":{"stringValue":"web"}');
      expect(all).toContain('"name":"GET /rollouts/[id]"'); // Next.js's request span
      expect(all).toContain('"name":"render route (app) /rollouts/[id]"');
      expect(all).toContain('"name":"rollout engine pass"');
      expect(all).toContain('"flightdeck.rollout.id","value":{"stringValue":"' + id + '"}');
    }).toPass({ timeout: 15_000 });
    // No secret reached a log line.
    const everything = [...processes.values()].map((p) => p.output()).join("");
    for (const secret of [env.AUTH_SECRET!, OIDC_CLIENT.secret, METRICS_TOKEN]) {
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toContain(new URL(database.url).password);
    // And nothing was written under the app's directory.
    expect(snapshot(app)).toBe(before);

    // A web process told to stop drains first: not ready, still serving, then gone.
    const leaving = processes.get(WEB[0]!)!.child;
    const gone = new Promise((resolve) => leaving.once("exit", resolve));
    leaving.kill("SIGTERM");
    await expect(async () => {
      expect((await fetch(`${base(WEB[0]!)}/api/health/ready`)).status).toBe(503);
    }).toPass({ timeout: 4_000 });
    expect((await fetch(`${base(WEB[0]!)}/api/health/live`)).status).toBe(200);
    expect(await gone).toBe(0);
  },
);
