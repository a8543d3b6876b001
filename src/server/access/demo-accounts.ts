import "server-only";
import { db } from "@/server/db/client";
import { demoMode } from "@/server/demo-mode";
import { ROLE_LABELS, isRole } from "@/lib/domain/access/roles";

import { DEMO_PASSWORD } from "@/lib/demo";

export async function demoAccounts() {
  if (!demoMode()) return null;
  const users = await db().user.findMany({
    where: { demo: true, disabled: false },
    orderBy: { email: "asc" },
    select: { email: true, role: true },
  });
  if (users.length === 0) return null;
  return {
    password: DEMO_PASSWORD,
    users: users.map((u) => ({
      email: u.email,
      role: isRole(u.role) ? ROLE_LABELS[u.role] : "no role",
    })),
  };
}
