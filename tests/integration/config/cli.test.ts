// `flightdeck export | diff | apply` run as people run them (bin/flightdeck.mjs), against this
// file's copy of the seeded database.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { connectTestDatabase, testDatabaseUrl } from "../../support/db";

const prisma = connectTestDatabase();
const dir = mkdtempSync(path.join(os.tmpdir(), "flightdeck-config-cli-"));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await prisma.$disconnect();
});

function cli(args: string[], input?: string) {
  return spawnSync("node", ["bin/flightdeck.mjs", ...args], {
    env: { ...process.env, DATABASE_URL: testDatabaseUrl() },
    input,
    encoding: "utf8",
    timeout: 120_000,
  });
}

const audits = () => prisma.auditEvent.count({ where: { action: "config.apply" } });

describe("flightdeck export, diff and apply", () => {
  it("exports the fleet, and the export round-trips to no changes", () => {
    const exported = cli(["export"]);
    expect(exported.stderr).toBe("");
    expect(exported.status).toBe(0);
    const doc = YAML.parse(exported.stdout) as { kind: string; models: unknown[] };
    expect(doc.kind).toBe("FleetConfig");
    expect(doc.models).toHaveLength(6);

    const file = path.join(dir, "flightdeck.yaml");
    const written = cli(["export", "-o", file]);
    expect(written.status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(exported.stdout);

    const diff = cli(["diff", "-f", file, "--prune"]);
    expect(diff.stderr).toBe("");
    expect(diff.status).toBe(0);
    expect(diff.stdout).toBe("No changes: the fleet already matches the file.\n");
  });

  it("prints the diff, applies it in one audited change, then has nothing to do", async () => {
    const doc = YAML.parse(cli(["export"]).stdout) as {
      environments: { name: string; requiredApprovals: number }[];
    };
    const env = doc.environments.find((e) => e.name === "production/ap-southeast-1");
    if (!env) throw new Error("seed");
    env.requiredApprovals = 3;
    const file = path.join(dir, "approvals.yaml");
    writeFileSync(file, YAML.stringify(doc));
    const auditsBefore = await audits();

    const dry = cli(["apply", "-f", file, "--dry-run"]);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toBe(
      [
        "~ environment production/ap-southeast-1",
        "    requiredApprovals: 2 → 3",
        "0 to create, 1 to update, 0 to delete.",
        "Dry run: nothing was applied.",
        "",
      ].join("\n"),
    );
    expect(await audits()).toBe(auditsBefore);

    const applied = cli(["apply", "-f", file]);
    expect(applied.stderr).toBe("");
    expect(applied.status).toBe(0);
    expect(applied.stdout).toMatch(
      /^~ environment production\/ap-southeast-1\n {4}requiredApprovals: 2 → 3\n.*\nApplied/,
    );
    expect(
      await prisma.environment.findUniqueOrThrow({
        where: { name: "production/ap-southeast-1" },
        select: { requiredApprovals: true },
      }),
    ).toEqual({ requiredApprovals: 3 });
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "config.apply" },
      orderBy: { at: "desc" },
    });
    expect(audit.actorEmail).toBe(`cli:${os.userInfo().username}`);
    expect(await audits()).toBe(auditsBefore + 1);

    // From standard input, the same file again: nothing to do, nothing audited.
    const again = cli(["apply", "-f", "-"], readFileSync(file, "utf8"));
    expect(again.status).toBe(0);
    expect(again.stdout).toBe("No changes: the fleet already matches the file.\n");
    expect(await audits()).toBe(auditsBefore + 1);
  });

  it("refuses an invalid file (exit 1) naming the path, and changes nothing", async () => {
    const file = path.join(dir, "bad.yaml");
    writeFileSync(
      file,
      "apiVersion: flightdeck.dev/v1\nkind: FleetConfig\nenvironments:\n  - name: production/us-east-1\n    soakMinutes: -5\n",
    );
    const before = await audits();
    const run = cli(["apply", "-f", file]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `flightdeck: ${file}: environments[0].soakMinutes: Soak cannot be negative.\n`,
    );
    expect(await audits()).toBe(before);
  });

  it("refuses to prune a model that still has deployments (exit 1), with the reason", async () => {
    const file = path.join(dir, "prune.yaml");
    writeFileSync(
      file,
      "apiVersion: flightdeck.dev/v1\nkind: FleetConfig\nprune: true\nmodels: []\n",
    );
    const run = cli(["apply", "-f", file]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^- model assistant-llm-70b\n/);
    expect(run.stdout).toMatch(
      /Refused; nothing will be applied:\n {2}✗ Model assistant-llm-70b cannot be deleted; still in use: \d+ deployments? \(/,
    );
    expect(await prisma.model.count()).toBe(6);
  });

  it("answers bad usage with exit 2 and the usage", () => {
    const missing = cli(["apply"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^flightdeck: apply needs -f FILE\.\n\nUsage:/);
    const unknown = cli(["diff", "-f", "x.yaml", "--force"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--force'/);
    const absent = cli(["diff", "-f", path.join(dir, "absent.yaml")]);
    expect(absent.status).toBe(1);
    expect(absent.stderr).toMatch(/absent.yaml: no such file\./);
  });
});
