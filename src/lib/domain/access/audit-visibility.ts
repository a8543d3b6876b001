import type { Principal } from "./policy";

/**
 * Who sees what of the audit log. Everyone who may read the fleet reads the log; email
 * addresses and client addresses are personal data, shown to admins only. Others see actors
 * by name and role.
 */
export function seesAuditPersonalData(principal: Principal): boolean {
  return principal.kind === "user" && principal.role === "admin";
}

export interface AuditActorFields {
  actorId: string | null;
  actorEmail: string | null;
  actorRole: string | null;
}

/**
 * How an audit row names its actor: the user's name, a token as "token:<name>", Flightdeck
 * itself as "system", and anyone not signed in as "anonymous" (an email typed into the
 * sign-in form proves nothing about who typed it).
 */
export function auditActorName(
  row: AuditActorFields,
  userNames: ReadonlyMap<string, string>,
): string {
  if (row.actorId) return userNames.get(row.actorId) ?? "deleted user";
  if (row.actorEmail?.startsWith("token:")) return row.actorEmail;
  if (row.actorRole === "system") return "system";
  return "anonymous";
}

const EMAIL = /[^\s@"'<>(),;:[\]]+@[^\s@"'<>(),;:[\]]+\.[a-z0-9-]{2,}/gi;
export const HIDDEN_EMAIL = "[email hidden]";

/** Replaces every email address in a string, or in the strings of a JSON value. */
export function withoutEmails<T>(value: T): T {
  if (typeof value === "string") return value.replace(EMAIL, HIDDEN_EMAIL) as T;
  if (Array.isArray(value)) return value.map((v) => withoutEmails(v)) as T;
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutEmails(v)])) as T;
  }
  return value;
}
