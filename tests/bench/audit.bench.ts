import { afterAll, it } from "vitest";
import type { Actor } from "@/server/auth/session";
import { auditCsv, listAuditEvents } from "@/server/access/audit-log";
import { signInThrottleMessage } from "@/server/auth/throttle";
import { connectTestDatabase } from "../support/db";
import { time } from "./timing";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000);
const admin: Actor = {
  kind: "user",
  id: "bench",
  email: "bench@bench",
  name: "Bench",
  role: "admin",
  teamId: null,
  teamName: null,
};

/** The audit log is the table that grows without bound: page it, filter it, export it. */
it(`audit log with ${ROWS.toLocaleString("en-US")} events`, async () => {
  const t0 = performance.now();
  // Bulk-load in SQL: 90 days of events from 200 actors over 12 actions.
  await prisma.$executeRawUnsafe(`
    INSERT INTO "AuditEvent" (id, at, "actorEmail", "actorRole", action, "targetType", "targetId", outcome, "clientIp")
    SELECT 'bench' || g,
           now() - (g % 7776000) * interval '1 second',
           'user' || (g % 200) || '@bench.test',
           'engineer',
           (ARRAY['auth.sign_in','user.update','token.create','rollout.pause','rollout.promote','incident.ack',
                  'slo.update','model_version.register','rollout.abort','rollout.rollback','token.revoke','user.create'])[1 + g % 12],
           'rollout', 'r' || (g % 5000),
           (CASE WHEN g % 20 = 0 THEN 'denied' ELSE 'allowed' END)::"AuditOutcome",
           '10.0.' || (g % 250) || '.' || (g % 7)
    FROM generate_series(1, ${ROWS}) g`);
  await prisma.$executeRawUnsafe(`ANALYZE "AuditEvent"`);
  console.log(
    `audit: loaded ${ROWS.toLocaleString("en-US")} events in ${Math.round(performance.now() - t0)} ms`,
  );

  await time("audit page 1, unfiltered", 10, () => listAuditEvents(admin, { page: 1 }));
  await time("audit page 500, unfiltered", 10, () => listAuditEvents(admin, { page: 500 }));
  await time("audit filtered by actor", 10, () =>
    listAuditEvents(admin, { page: 1, filter: { actor: "user17@bench.test" } }),
  );
  await time("audit filtered by action prefix + outcome", 10, () =>
    listAuditEvents(admin, { page: 1, filter: { action: "rollout.", outcome: "denied" } }),
  );
  await time("audit filtered by target + last 24 h", 10, () =>
    listAuditEvents(admin, {
      page: 1,
      filter: { target: "r42", from: new Date(Date.now() - 86_400_000) },
    }),
  );
  await time("sign-in throttle check", 30, () =>
    signInThrottleMessage("user17@bench.test", "10.0.17.3"),
  );

  const t1 = performance.now();
  let rows = 0;
  let bytes = 0;
  for await (const chunk of auditCsv(admin, { action: "rollout." })) {
    bytes += chunk.length;
    rows += chunk.split("\n").length - 1;
  }
  const s = (performance.now() - t1) / 1000;
  console.log(
    `audit CSV export (action rollout.*): ${rows.toLocaleString("en-US")} rows, ${(bytes / 1e6).toFixed(1)} MB in ${s.toFixed(1)} s (${Math.round(rows / s).toLocaleString("en-US")} rows/s)`,
  );
}, 1_800_000);
