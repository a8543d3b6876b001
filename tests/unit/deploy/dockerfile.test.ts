// The Dockerfile's contract, read from the file (no image can be built on a machine without a
// registry): dependencies with npm ci, the build with npm run build, and a runner holding only
// .next/standalone, as a numeric non-root user, with a HEALTHCHECK that works without curl and
// the entry point `node flightdeck.mjs`; and the manifests agree with it (user, writable paths).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  find,
  podTemplate,
  readDockerfile,
  renderKustomization,
  ROOT,
  type Instruction,
  type Stage,
} from "./support";

const stages = readDockerfile();
const runner = stages[stages.length - 1] as Stage;
const all = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword);
const one = (stage: Stage, keyword: string): Instruction => {
  const found = all(stage, keyword);
  expect(found, keyword).toHaveLength(1);
  return found[0] as Instruction;
};
const env = (stage: Stage) =>
  Object.fromEntries(
    all(stage, "ENV").flatMap((i) =>
      [...i.args.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]),
    ),
  );

describe("the Dockerfile", () => {
  it("installs with npm ci, builds with npm run build, and runs on node:20-bookworm-slim", () => {
    expect(stages.map((s) => [s.name, s.from])).toEqual([
      ["deps", "node:20-bookworm-slim"],
      ["build", "node:20-bookworm-slim"],
      ["runner", "node:20-bookworm-slim"],
    ]);
    const runs = (stage: Stage | undefined) => (stage ? all(stage, "RUN").map((i) => i.args) : []);
    expect(runs(stages[0])).toEqual(["npm ci --no-audit --no-fund"]);
    expect(runs(stages[1])).toEqual(["npm run build"]);
  });

  it("copies only the standalone build into the runner, and installs nothing there", () => {
    expect(all(runner, "COPY").map((i) => i.args)).toEqual([
      "--from=build /src/.next/standalone ./",
    ]);
    expect(all(runner, "ADD")).toEqual([]);
    for (const run of all(runner, "RUN")) expect(run.args).not.toMatch(/\b(npm|npx|yarn|pnpm)\b/);
    expect(env(runner)).toMatchObject({ NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" });
    expect(one(runner, "WORKDIR").args).toBe("/app");
  });

  it("runs node flightdeck.mjs (web by default) as a numeric non-root user", () => {
    const user = one(runner, "USER").args;
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(":")[0])).toBeGreaterThan(0);
    expect(JSON.parse(one(runner, "ENTRYPOINT").args)).toEqual(["node", "flightdeck.mjs"]);
    expect(JSON.parse(one(runner, "CMD").args)).toEqual(["web"]);
  });

  it("keeps secrets, local builds and installs out of the build context", () => {
    const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim());
    for (const entry of ["node_modules", ".next", ".flightdeck", ".git", ".env", ".env.*"]) {
      expect(ignored).toContain(entry);
    }
    // The build needs these: never ignore them.
    for (const needed of ["src", "scripts", "prisma", "public", "bin", "package.json"]) {
      expect(ignored).not.toContain(needed);
    }
  });

  describe("HEALTHCHECK", () => {
    let server: Server;
    let status = 200;
    let asked: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        asked.push(req.url ?? "");
        res.writeHead(status).end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });
    afterAll(() => {
      server.close();
    });

    /** Runs the HEALTHCHECK's command (exec form) as the image would, against `port`. */
    async function healthcheck(port: number): Promise<number | null> {
      const args = one(runner, "HEALTHCHECK").args;
      expect(args).not.toMatch(/\b(curl|wget)\b/);
      const command = /\bCMD (\[.*\])$/.exec(args)?.[1];
      const [node, ...rest] = JSON.parse(command ?? "[]") as string[];
      expect(node).toBe("node");
      asked = [];
      // Not spawnSync: this process's server must answer while the check runs.
      const child = spawn(process.execPath, rest, {
        env: { ...process.env, PORT: String(port) },
        stdio: "ignore",
        timeout: 10_000,
      });
      return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    }

    it("asks /api/health/live with node's fetch, healthy on 200 and unhealthy otherwise", async () => {
      const port = (server.address() as AddressInfo).port;
      status = 200;
      expect(await healthcheck(port)).toBe(0);
      expect(asked).toEqual(["/api/health/live"]);
      status = 503;
      expect(await healthcheck(port)).toBe(1);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      expect(await healthcheck(port)).toBe(1); // nothing listening
    });
  });

  it("matches the manifests: the same user, and emptyDirs where the runner writes", () => {
    const objects = renderKustomization();
    const [uid, gid] = one(runner, "USER").args.split(":").map(Number);
    const cache = `${one(runner, "WORKDIR").args}/.next/cache`;
    expect(one(runner, "RUN").args).toContain(`mkdir -p .next/cache && chown ${uid}:${gid}`);
    for (const name of ["flightdeck-web", "flightdeck-worker"]) {
      const { spec } = podTemplate(find(objects, "Deployment", name));
      expect(spec.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: gid });
      const mounts = spec.containers[0]?.volumeMounts ?? [];
      for (const mountPath of ["/tmp", cache]) {
        const mount = mounts.find((m) => m.mountPath === mountPath);
        expect(
          spec.volumes?.find((v) => v.name === mount?.name)?.emptyDir,
          mountPath,
        ).toBeDefined();
      }
    }
  });
});
