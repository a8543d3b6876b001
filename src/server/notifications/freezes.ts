import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { freezesBetween } from "@/server/promotions/release-windows";
import { announceStartedFreezes } from "@/server/notifications/subjects";

/** The worker's check for freezes that started since its last look (deduplicated by key). */
export async function announceFreezes(now = clock.now()): Promise<number> {
  const freezes = await freezesBetween(db(), new Date(now.getTime() - 10 * 60_000), now);
  if (freezes.length === 0) return 0;
  return db().$transaction((tx) => announceStartedFreezes(tx, freezes, now));
}
