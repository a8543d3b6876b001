import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseFleetConfig } from "@/lib/domain/config/schema";
import { diffFleet } from "@/lib/domain/config/diff";

const docs = readFileSync(
  path.resolve(import.meta.dirname, "../../../../docs/configuration.md"),
  "utf8",
);

describe("docs/configuration.md", () => {
  it("shows a file that is valid and complete in itself", () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(example).toBeTruthy();
    const parsed = parseFleetConfig(YAML.parse(example ?? ""));
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
    if (!parsed.ok) return;
    const empty = {
      teams: [],
      regions: [],
      environments: [],
      clusters: [],
      models: [],
      freezes: [],
      releaseWindows: [],
      notificationChannels: [],
    };
    // as where the file is applied with its channels' variables set
    const secrets = new Map(
      (parsed.config.notificationChannels ?? []).map((c) => [
        c.name,
        { secret: { hint: "…1234", digest: c.name } },
      ]),
    );
    const plan = diffFleet(empty, parsed.config, {
      prune: false,
      now: new Date("2026-12-01"),
      secrets,
    });
    expect(plan.problems).toEqual([]);
    expect(plan.changes.map((c) => `${c.op} ${c.kind}`)).toEqual([
      "create team",
      "create region",
      "create environment",
      "create environment",
      "create cluster",
      "create model",
      "create freeze",
      "create window",
      "create channel",
      "create channel",
    ]);
  });
});
