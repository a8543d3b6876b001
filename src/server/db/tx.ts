import "server-only";
import { Prisma, type PrismaClient } from "@/generated/prisma/client";
import { AppError } from "@/server/errors";

/** A transaction: what every function that works inside its caller's transaction takes. */
export type Tx = Prisma.TransactionClient;
/** The pool or a transaction: for reads that may run inside one. */
export type Db = PrismaClient | Tx;

/** Tables whose rows are locked for a read-decide-write. */
export type LockableTable =
  | "Rollout"
  | "Incident"
  | "PromotionRequest"
  | "TrainingJob"
  | "ApiToken"
  | "Environment"
  | "Model"
  | "RegionDrain";

/**
 * Locks one row until the transaction ends (`FOR UPDATE`), found by its id or, for the tables
 * that have one, its unique name: whoever else wants to change it waits, then reads what this
 * transaction wrote. Returns the row's id, or null when there is no such row. `skipLocked` (the
 * engine's claims) returns null instead of waiting for a row in use.
 */
export async function lockRow(
  tx: Tx,
  table: LockableTable,
  where: string | { name: string },
  options: { skipLocked?: boolean } = {},
): Promise<string | null> {
  const [column, value] = typeof where === "string" ? ["id", where] : ["name", where.name];
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM ${Prisma.raw(`"${table}"`)} WHERE ${Prisma.raw(`"${column}"`)} = ${value}
    FOR UPDATE ${Prisma.raw(options.skipLocked ? "SKIP LOCKED" : "")}`;
  return rows[0]?.id ?? null;
}

/**
 * Optimistic concurrency: the change was decided on the row as the user saw it (`expected`);
 * if it changed since, nothing is written and the user hears what changed.
 */
export function assertVersion(current: number, expected: number, conflict: string): void {
  if (current !== expected) throw new AppError("CONFLICT", conflict);
}
