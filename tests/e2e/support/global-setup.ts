// Starts the app exactly as a user does (`npm start`) on its own port and data directory,
// and stops it with Ctrl-C (SIGINT) at the end, checking that no PostgreSQL is left behind.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { FullConfig } from "@playwright/test";
import { processAlive } from "../../../scripts/lib/database";
import { OIDC_CLIENT, startOidcProvider } from "./oidc-provider";

async function waitForHealthy(url: string, child: { exitCode: number | null }, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Flightdeck did not become healthy at ${url} within ${ms / 1000} s`);
}

export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0]?.use.baseURL;
  if (!baseURL) throw new Error("baseURL is not configured");
  const port = new URL(baseURL).port;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-e2e-"));
  const oidcPort = Number(port) + 1;
  const stopOidc = await startOidcProvider(oidcPort, [
    `http://127.0.0.1:${port}`,
    `http://localhost:${port}`,
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: port,
    FLIGHTDECK_DATA_DIR: dataDir,
    OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`,
    OIDC_CLIENT_ID: OIDC_CLIENT.id,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    OIDC_NAME: "Test SSO",
    OIDC_ROLE_MAP: "sre-oncall=engineer,release=release_manager",
    OIDC_TEAM_MAP: "sre-oncall=ranking",
    // Single sign-on is configured, so demo accounts need saying so (and a banner shows).
    FLIGHTDECK_DEMO: "1",
  };
  delete env.DATABASE_URL;
  delete env.AUTH_SECRET;
  // Workers inherit this, so tests can check that no secret from it leaks into client code.
  process.env.E2E_DATA_DIR = dataDir;
  const child = spawn("npm", ["start"], {
    env,
    stdio: ["ignore", "inherit", "inherit"],
    detached: true,
  });
  await waitForHealthy(baseURL, child, 8 * 60_000);

  return async () => {
    const pidFile = path.join(dataDir, "pg", "postmaster.pid");
    const pgPid = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : 0;
    // Ctrl-C in a terminal signals the whole foreground process group.
    if (child.pid) process.kill(-child.pid, "SIGINT");
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
    });
    const leftovers = existsSync(pidFile) || (pgPid > 0 && processAlive(pgPid));
    const stillServing = await fetch(`${baseURL}/api/health`).then(
      () => true,
      () => false,
    );
    rmSync(dataDir, { recursive: true, force: true });
    await stopOidc();
    if (leftovers) throw new Error("PostgreSQL was still running after Ctrl-C");
    if (stillServing) throw new Error("The web server was still answering after Ctrl-C");
    // npm re-raises the signal after its child exits: a clean stop is exit 0 or SIGINT.
    if (child.exitCode !== 0 && child.signalCode !== "SIGINT") {
      throw new Error(`npm start ended with ${child.exitCode ?? child.signalCode} after Ctrl-C`);
    }
  };
}
