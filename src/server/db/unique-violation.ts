import "server-only";

/** A unique-constraint violation, from Prisma (P2002) or the pg driver (23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const e = error as { code?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };
  if (e.code === "P2002" || e.code === "23505") return true;
  return isUniqueViolation(e.cause) || isUniqueViolation(e.meta?.driverAdapterError);
}
