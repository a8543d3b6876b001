import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertAllowed } from "@/server/access/authorize";

export interface NotificationOption {
  id: string;
  name: string;
}

export interface NotificationFormOptions {
  teams: NotificationOption[];
  models: NotificationOption[];
  environments: NotificationOption[];
}

/** What a subscription can be scoped to, for the admin page's drop-downs, each by name. */
export async function notificationFormOptions(
  actor: Actor | null,
): Promise<NotificationFormOptions> {
  assertAllowed(actor, "settings.manage");
  const select = { id: true, name: true } as const;
  const [teams, models, environments] = await Promise.all([
    db().team.findMany({ orderBy: { name: "asc" }, select }),
    db().model.findMany({ orderBy: { name: "asc" }, select }),
    db().environment.findMany({ orderBy: { name: "asc" }, select }),
  ]);
  return { teams, models, environments };
}
