import type { Actor } from "@/server/auth/session";
import type { Role } from "@/lib/domain/roles";

export function actor(role: Role | null): Actor {
  return {
    id: `test-${role ?? "none"}`,
    email: `${role ?? "none"}@test.local`,
    name: `Test ${role ?? "no role"}`,
    role,
    teamId: null,
    teamName: null,
  };
}
