import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verify } from "@node-rs/bcrypt";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../../src/generated/prisma/client";
import { bin } from "../../../scripts/lib/run";
import { testDatabaseUrl } from "../../support/db";

// A fresh, migrated, empty database of its own: a first install with the demo off.
const serverUrl = testDatabaseUrl();
const name = `admin_cli_${randomBytes(4).toString("hex")}`;
const url = serverUrl.replace(/\/[^/]+$/, `/${name}`);
let prisma: PrismaClient;

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(`CREATE DATABASE ${name}`);
  const migrate = spawnSync(bin("prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: "utf8",
  });
  expect(migrate.status, migrate.stderr).toBe(0);
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
}, 120_000);

afterAll(async () => {
  await prisma?.$disconnect();
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

function cli(args: string[], password: string, databaseUrl = url) {
  return spawnSync("node", ["bin/flightdeck.mjs", "admin", ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    input: `${password}\n`,
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("flightdeck admin create", () => {
  it("refuses a short password and changes nothing", () => {
    const run = cli(["create", "--email", "first@example.com"], "short");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/at least 12 characters/);
  });

  it("makes the first admin of an empty install, who can sign in with that password", async () => {
    expect(await prisma.user.count()).toBe(0);
    const run = cli(
      ["create", "--email", "First.Admin@Example.com", "--name", "First Admin"],
      "a long enough passphrase",
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Created admin first.admin@example.com/);
    const user = await prisma.user.findUniqueOrThrow({
      where: { email: "first.admin@example.com" },
    });
    expect(user).toMatchObject({
      name: "First Admin",
      role: "admin",
      disabled: false,
      demo: false,
    });
    expect(await verify("a long enough passphrase", user.passwordHash ?? "")).toBe(true);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "user.create", targetId: user.id },
    });
    expect(audit).toMatchObject({
      outcome: "allowed",
      reason: "first admin (flightdeck admin create)",
    });
    expect(audit.actorEmail).toMatch(/^cli:/);
  });

  it("refuses once an enabled admin exists, naming them", () => {
    const run = cli(["create", "--email", "second@example.com"], "another long passphrase");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/An enabled admin already exists \(first.admin@example.com\)/);
  });

  it("adds another admin with --force only with a reason, and audits it", async () => {
    const noReason = cli(["create", "--email", "second@example.com", "--force"], "x".repeat(12));
    expect(noReason.status).toBe(2);
    expect(noReason.stderr).toMatch(/--force needs --reason/);
    const run = cli(
      ["create", "--email", "second@example.com", "--force", "--reason", "break-glass drill"],
      "another long passphrase",
    );
    expect(run.status).toBe(0);
    const user = await prisma.user.findUniqueOrThrow({ where: { email: "second@example.com" } });
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "user.create", targetId: user.id },
    });
    expect(audit.reason).toBe("flightdeck admin create --force: break-glass drill");
  });

  it("refuses an email that is taken, even with --force", () => {
    const run = cli(
      ["create", "--email", "second@example.com", "--force", "--reason", "again"],
      "another long passphrase",
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/already exists/);
  });

  it("explains a database without Flightdeck's tables", async () => {
    const empty = `${name}_empty`;
    await admin(`CREATE DATABASE ${empty}`);
    try {
      const run = cli(
        ["create", "--email", "x@example.com"],
        "a long enough passphrase",
        serverUrl.replace(/\/[^/]+$/, `/${empty}`),
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/no Flightdeck tables yet/);
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${empty} WITH (FORCE)`);
    }
  });

  it("explains its usage", () => {
    const run = cli(["create"], "");
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--email must be a valid email address/);
    expect(run.stderr).toMatch(/flightdeck admin create --email EMAIL/);
  });
});
