import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

test("client bundles carry no server code or secrets", () => {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error("E2E_DATA_DIR is not set by the global setup");
  const authSecret = readFileSync(path.join(dataDir, "auth-secret"), "utf8").trim();
  const dbPassword = readFileSync(path.join(dataDir, "pg-password"), "utf8").trim();
  const bundles = files(path.join(process.cwd(), ".next", "static")).filter((f) =>
    f.endsWith(".js"),
  );
  expect(bundles.length).toBeGreaterThan(5);
  const forbidden = [
    authSecret,
    dbPassword,
    "DATABASE_URL",
    "pg_advisory",
    "passwordHash",
    "tokenHash",
    "$2b$10$",
  ];
  for (const file of bundles) {
    const text = readFileSync(file, "utf8");
    for (const needle of forbidden) {
      expect(text.includes(needle), `${needle.slice(0, 12)}… found in ${path.basename(file)}`).toBe(
        false,
      );
    }
  }
});
