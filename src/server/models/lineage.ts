import "server-only";
import type { Prisma } from "@/server/db/client";
import { LINEAGE_FIELDS, type Lineage, type LineageKey } from "@/lib/domain/models/registry";

/** A model version's lineage columns, to spread into any `select` of a version. */
export const lineageSelect = Object.fromEntries(LINEAGE_FIELDS.map((f) => [f.key, true])) as {
  readonly [K in LineageKey]: true;
} satisfies Prisma.ModelVersionSelect;

/** The lineage of a version read with `lineageSelect`. */
export function lineageOf(
  version: Prisma.ModelVersionGetPayload<{ select: typeof lineageSelect }>,
): Lineage {
  return Object.fromEntries(LINEAGE_FIELDS.map((f) => [f.key, version[f.key]])) as Lineage;
}
