import type { Actor } from "@/server/auth/session";
import type { Role } from "@/lib/domain/access/roles";

export function actor(role: Role | null, teamId: string | null = null): Actor {
  return {
    kind: "user",
    id: `test-${role ?? "none"}`,
    email: `${role ?? "none"}@test.local`,
    name: `Test ${role ?? "no role"}`,
    role,
    teamId,
    teamName: null,
  };
}
