import { DAY, MINUTE, lookup, type Tx } from "./common";
import { PENDING_PROMOTION, YEAR_END_FREEZE } from "./demo-data";
import type { SeededModel } from "./models";

/** A promotion request waiting for approval, and the year-end freeze ahead. */
export async function seedPromotions(
  tx: Tx,
  input: {
    nowMs: number;
    userIds: ReadonlyMap<string, string>;
    /** with their candidates */
    models: ReadonlyMap<string, SeededModel>;
  },
): Promise<void> {
  const { nowMs } = input;
  const p = PENDING_PROMOTION;
  const model = lookup(input.models, p.model, "model");
  const newest = model.versions.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
  await tx.promotionRequest.create({
    data: {
      modelId: model.modelId,
      modelVersionId: newest.id,
      tier: p.tier,
      regions: [p.region],
      justification: p.justification(newest.version),
      requiredApprovals: p.requiredApprovals,
      requestedById: lookup(input.userIds, p.requestedBy, "user"),
      requestedAt: new Date(nowMs - p.minutesAgo * MINUTE),
    },
  });

  const f = YEAR_END_FREEZE;
  const freezeStart = Math.floor((nowMs + f.startsInDays * DAY) / DAY) * DAY;
  await tx.freezeWindow.create({
    data: {
      name: f.name,
      tier: f.tier,
      startsAt: new Date(freezeStart),
      endsAt: new Date(freezeStart + f.days * DAY),
      reason: f.reason,
      createdById: lookup(input.userIds, f.createdBy, "user"),
    },
  });
}
