// Notifications at volume: what the outbox adds to a change, and how fast one worker drains a
// backlog to a receiver on loopback (a receiver that was down while 2,000 events queued on 200
// subjects, then came back). Prints the figures; asserts only that nothing was lost.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { it } from "vitest";
import { connectTestDatabase } from "../support/db";
import { person } from "../support/people";
import { createChannel, addSubscription } from "@/server/notifications/channels";
import { deliverNotifications } from "@/server/notifications/deliver";
import { notify } from "@/server/notifications/outbox";
import { addSubscriptionSchema, createChannelSchema } from "@/lib/schemas/notifications";

const prisma = connectTestDatabase();
const meta = { requestId: "notifications-bench", clientIp: null };
process.env.FLIGHTDECK_ENCRYPTION_KEY ||= "bench-notification-key";

const SUBJECTS = 200;
const PER_SUBJECT = 10;

it("drains a backlog of 2,000 events on 200 subjects", { timeout: 600_000 }, async () => {
  let received = 0;
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received += 1;
      seen.add(String(req.headers["x-flightdeck-event-id"]));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const admin = await person(prisma, "admin");
  const ch = await createChannel(
    admin,
    meta,
    createChannelSchema.parse({
      kind: "webhook",
      name: "bench hook",
      url,
      signingSecret: "x".repeat(24),
    }),
  );
  await addSubscription(
    admin,
    meta,
    addSubscriptionSchema.parse({ channelId: ch.channel.id, events: ["rollout.aborted"] }),
  );
  const payload = (i: number) => ({
    type: "rollout.aborted" as const,
    subject: { kind: "rollout" as const, id: `r${i}`, name: `bench ${i}`, path: `/rollouts/r${i}` },
    summary: "Rollout of bench 1.0.0 to production/us-east-1 aborted at 10%.",
    actor: null,
    reason: "Analysis failed: error rate 5% > 1%",
    blastRadius: "10% of bench's traffic in production/us-east-1",
    team: null,
    model: null,
    environment: null,
    severity: null,
    openedByFlightdeck: false,
    facts: [],
  });

  // The outbox inside a change's transaction: one statement per event.
  const t0 = performance.now();
  for (let n = 0; n < PER_SUBJECT; n++) {
    await prisma.$transaction(async (tx) => {
      for (let s = 0; s < SUBJECTS; s++) {
        await notify(tx, {
          payload: payload(s),
          subjectKey: `rollout:bench-${s}`,
          teamId: null,
          modelId: null,
          environmentId: null,
        });
      }
    });
  }
  const enqueueMs = performance.now() - t0;

  const t1 = performance.now();
  let passes = 0;
  for (;;) {
    const r = await deliverNotifications();
    passes += 1;
    if (r.delivered + r.retrying + r.dead === 0) break;
  }
  const drainMs = performance.now() - t1;
  server.close();
  const total = SUBJECTS * PER_SUBJECT;
  if (seen.size !== total) throw new Error(`received ${seen.size} distinct events of ${total}`);
  console.log(
    [
      `outbox: ${total} events in ${enqueueMs.toFixed(0)} ms (${((enqueueMs / total) * 1000).toFixed(0)} µs each, inside the change's transaction)`,
      `delivery: ${received} requests, ${seen.size} distinct events, in ${(drainMs / 1000).toFixed(1)} s over ${passes} passes (${(total / (drainMs / 1000)).toFixed(0)} events/s, one worker, 4 subjects at a time)`,
    ].join("\n"),
  );
});
