import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe("architecture", () => {
  it('starts every file under src/server with import "server-only"', () => {
    const offenders = filesUnder(path.join(root, "src/server"))
      .filter((f) => /\.(ts|tsx)$/.test(f))
      .filter((f) => !readFileSync(f, "utf8").startsWith('import "server-only";'));
    expect(offenders.map((f) => path.relative(root, f))).toEqual([]);
  });

  it.each([
    ["src/lib/domain/example.ts", 'import { db } from "@/server/db/client";'],
    [
      "src/components/rollouts/example.tsx",
      'import { listRollouts } from "@/server/rollouts/queries";',
    ],
    ["src/app/(dashboard)/example/page.tsx", 'import { db } from "@/server/db/client";'],
    ["src/server/db/example.ts", 'import { getOverview } from "@/server/fleet/overview";'],
    [
      "src/components/ui/example.tsx",
      'import { LiveTraffic } from "@/components/platform/live-traffic";',
    ],
    ["src/lib/schemas/example.ts", 'import { AppError } from "@/server/errors";'],
    ["src/lib/schemas/example.ts", 'import { listRollouts } from "@/server/rollouts/queries";'],
    ["src/lib/domain/example.ts", 'import { ERROR_CODES } from "@/lib/schemas/errors";'],
  ])(
    "lint refuses a wrong-way import in %s",
    async (file, source) => {
      const eslint = new ESLint({ cwd: root });
      const [result] = await eslint.lintText(`${source}\nexport const x = 1;\n`, {
        filePath: path.join(root, file),
      });
      const rules = result?.messages.map((m) => m.ruleId) ?? [];
      expect(rules).toContain("import/no-restricted-paths");
    },
    30_000,
  );

  it.each([
    ["src/server/rollouts/example.ts", 'import { errorBudget } from "@/lib/domain/slos/budget";'],
    // schemas validate with the domain's own lists
    ["src/lib/schemas/example.ts", 'import { ROLES } from "@/lib/domain/access/roles";'],
  ])(
    "lint accepts an allowed import in %s",
    async (file, source) => {
      const eslint = new ESLint({ cwd: root });
      const [result] = await eslint.lintText(`${source}\nexport const x = 1;\n`, {
        filePath: path.join(root, file),
      });
      expect(result?.messages.filter((m) => m.ruleId === "import/no-restricted-paths")).toEqual([]);
    },
    30_000,
  );
});
