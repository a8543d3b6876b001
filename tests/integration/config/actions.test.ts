// The admin page's server actions: preview and apply of flightdeck.yaml, for admins only.
import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestContext } from "../../support/request-context";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import { applyConfigAction, previewConfigAction } from "@/actions/config";
import type { Actor } from "@/server/auth/session";

const prisma = connectTestDatabase();
let admin: Actor;
let releaseManager: Actor;

beforeAll(async () => {
  admin = await person(prisma, "admin");
  releaseManager = await person(prisma, "release_manager", { team: "ranking" });
});
afterAll(async () => {
  requestContext.userId = null;
  await prisma.$disconnect();
});

const yaml = [
  "apiVersion: flightdeck.dev/v1",
  "kind: FleetConfig",
  "environments:",
  "  - name: production/us-west-2",
  "    requiredApprovals: 3",
  "",
].join("\n");
const approvals = async () =>
  (
    await prisma.environment.findUniqueOrThrow({
      where: { name: "production/us-west-2" },
      select: { requiredApprovals: true },
    })
  ).requiredApprovals;

describe("the fleet configuration page's actions", () => {
  it("previews without writing, then applies with one audit record", async () => {
    requestContext.userId = admin.id;
    const preview = await previewConfigAction({ yaml, prune: false });
    expect(preview).toEqual({
      ok: true,
      data: expect.objectContaining({
        applied: false,
        dryRun: true,
        changes: [
          {
            kind: "environment",
            name: "production/us-west-2",
            op: "update",
            fields: [{ field: "requiredApprovals", before: 2, after: 3 }],
          },
        ],
      }),
    });
    expect(await approvals()).toBe(2);
    const applied = await applyConfigAction({ yaml, prune: false });
    expect(applied).toMatchObject({ ok: true, data: { applied: true } });
    expect(await approvals()).toBe(3);
    expect(
      await prisma.auditEvent.count({
        where: { action: "config.apply", actorId: admin.id, outcome: "allowed" },
      }),
    ).toBe(1);
  });

  it("refuses an empty file, and anyone but an admin (audited)", async () => {
    requestContext.userId = admin.id;
    expect(await previewConfigAction({ yaml: "  \n", prune: false })).toMatchObject({
      ok: false,
      error: { code: "INVALID_INPUT", message: "Paste or upload flightdeck.yaml first." },
    });
    requestContext.userId = releaseManager.id;
    for (const action of [previewConfigAction, applyConfigAction]) {
      expect(await action({ yaml, prune: false })).toMatchObject({
        ok: false,
        error: { code: "FORBIDDEN" },
      });
    }
    expect(
      await prisma.auditEvent.count({
        where: {
          action: { in: ["config.diff", "config.apply"] },
          actorId: releaseManager.id,
          outcome: "denied",
        },
      }),
    ).toBe(2);
  });
});
