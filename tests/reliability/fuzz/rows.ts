// A fingerprint of every table: row count and a hash of the rows, so "zero rows changed" is
// checked on the whole database, not on the tables a payload was meant for.
import pg from "pg";

/**
 * Columns a refused request may still touch by design: a token's last use (throttled to a
 * minute), and the simulated fleet's clock, which a read saves when no worker has ticked it for
 * a while (SimulatorPlatform.snapshot). A change a payload made to the fleet would also show
 * in the rollouts and audit tables.
 */
const VOLATILE: Record<string, string[]> = {
  ApiToken: ["lastUsedAt"],
  SimulatorFleet: ["state", "simTime", "updatedAt"],
};

export type Fingerprint = Map<string, { rows: number; hash: string }>;

export async function fingerprint(databaseUrl: string): Promise<Fingerprint> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations'
        ORDER BY table_name`,
    );
    const out: Fingerprint = new Map();
    for (const { name } of tables) {
      const drop = (VOLATILE[name] ?? []).map((c) => ` - '${c}'`).join("");
      const { rows } = await client.query<{ n: number; h: string | null }>(
        `SELECT count(*)::int AS n,
                md5(string_agg(r, '' ORDER BY r)) AS h
           FROM (SELECT md5((to_jsonb(t)${drop})::text) AS r FROM "${name}" t) x`,
      );
      out.set(name, { rows: rows[0]?.n ?? 0, hash: rows[0]?.h ?? "" });
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Tables whose rows differ, with the change in row count. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const out: string[] = [];
  for (const [name, a] of after) {
    const b = before.get(name);
    if (!b) out.push(`${name} (new table, ${a.rows} rows)`);
    else if (a.hash !== b.hash)
      out.push(
        `${name} (${b.rows} → ${a.rows} rows${a.rows === b.rows ? ", contents changed" : ""})`,
      );
  }
  return out;
}

/** Rows added or removed in all, plus tables whose contents changed at equal counts. */
export function rowsChanged(before: Fingerprint, after: Fingerprint): number {
  let n = 0;
  for (const [name, a] of after) {
    const b = before.get(name);
    if (!b) n += a.rows;
    else if (a.hash !== b.hash) n += Math.max(1, Math.abs(a.rows - b.rows));
  }
  return n;
}
