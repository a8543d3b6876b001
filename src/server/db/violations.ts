import "server-only";

/**
 * Whether `error` is, or wraps, a PostgreSQL error of one of `codes`: Prisma's own code (a
 * model query), the pg driver's SQLSTATE, or the driver adapter's `originalCode` (a raw query,
 * which Prisma reports as P2010 around it).
 */
function hasCode(error: unknown, codes: readonly string[], depth = 0): boolean {
  if (!error || typeof error !== "object" || depth > 5) return false;
  const e = error as {
    code?: unknown;
    originalCode?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (codes.includes(String(e.code)) || codes.includes(String(e.originalCode))) return true;
  return (
    hasCode(e.cause, codes, depth + 1) || hasCode(e.meta?.driverAdapterError, codes, depth + 1)
  );
}

/** A unique-constraint violation, from Prisma (P2002) or PostgreSQL (23505). */
export function isUniqueViolation(error: unknown): boolean {
  return hasCode(error, ["P2002", "23505"]);
}

/** A foreign-key violation, from Prisma (P2003) or PostgreSQL (23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  return hasCode(error, ["P2003", "23503"]);
}
