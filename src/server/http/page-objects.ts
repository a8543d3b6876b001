import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { incidentNumberSchema } from "@/lib/schemas/incidents";
import type { PageObject } from "@/lib/domain/navigation/page-objects";

/** A promotion request's number in a URL, read as its page reads it. */
function promotionNumber(raw: string): number | null {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 2_147_483_647 ? n : null;
}

/**
 * Whether the object a page shows exists: the same keys its service looks it up by, one
 * indexed read and nothing more (the page reads the rest).
 */
export async function pageObjectExists(actor: Actor | null, page: PageObject): Promise<boolean> {
  assertCanRead(actor);
  const found = (row: unknown) => row !== null;
  const select = { id: true } as const;
  switch (page.kind) {
    case "cluster":
      return found(await db().cluster.findUnique({ where: { name: page.name }, select }));
    case "incident": {
      const number = incidentNumberSchema.safeParse(page.number);
      return (
        number.success &&
        found(await db().incident.findUnique({ where: { number: number.data }, select }))
      );
    }
    case "model":
      return found(await db().model.findUnique({ where: { name: page.name }, select }));
    case "model_version":
      return found(
        await db().modelVersion.findFirst({
          where: { version: page.version, model: { name: page.model } },
          select,
        }),
      );
    case "promotion": {
      const number = promotionNumber(page.number);
      return (
        number !== null &&
        found(await db().promotionRequest.findUnique({ where: { number }, select }))
      );
    }
    case "rollout":
      return found(await db().rollout.findUnique({ where: { id: page.id }, select }));
    case "slo":
      return found(await db().slo.findUnique({ where: { name: page.name }, select }));
    case "region_drain":
      return found(await db().regionDrain.findUnique({ where: { id: page.id }, select }));
  }
}
