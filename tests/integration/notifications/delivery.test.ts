import "../../support/request-context";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { spawn } from "node:child_process";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import { movableTestClock } from "../../support/clock";
import type { Actor } from "@/server/auth/session";
import { declareIncident } from "@/server/incidents/declare";
import { transitionIncident } from "@/server/incidents/lifecycle";
import { declareIncidentSchema } from "@/lib/schemas/incidents";
import { createChannelSchema, addSubscriptionSchema } from "@/lib/schemas/notifications";
import {
  addSubscription,
  createChannel,
  listChannels,
  setChannelEnabled,
} from "@/server/notifications/channels";
import { deliverNotifications } from "@/server/notifications/deliver";
import { listDeliveries, redeliver } from "@/server/notifications/deliveries";
import { notifyIncident } from "@/server/notifications/subjects";
import { receivePagerDutyWebhook } from "@/server/notifications/pagerduty-inbound";
import { announceFreezes } from "@/server/notifications/freezes";
import { createRecurringWindow } from "@/server/promotions/release-windows";
import { recurringWindowSchema } from "@/lib/schemas/promotions";
import { verifyWebhookSignature } from "@/lib/domain/notifications/delivery";
import type { IncidentEvent } from "@/lib/domain/incidents/lifecycle";
import type { NotificationEventType } from "@/lib/domain/notifications/events";

process.env.FLIGHTDECK_ENCRYPTION_KEY = "notification-tests-key-0123456789";

const prisma = connectTestDatabase();
const time = movableTestClock();
const meta = { requestId: "notification-test", clientIp: "198.51.100.9" };
const SIGNING_SECRET = "whsec_test_0123456789abcdef";
const PD_INBOUND_SECRET = "pd-inbound-secret-42";
const ROUTING_KEY = "R0123456789ABCDEF0123456789ABCDE";

interface Received {
  path: string;
  eventId: string | null;
  body: Record<string, unknown>;
  signatureOk: boolean;
}

/**
 * A receiver as the documentation tells people to write one: it checks the signature and the
 * replay window, and processes each event id once. `mode` makes it fail as receivers do.
 */
class Receiver {
  mode: "up" | "down" | "refuse" | "hang-up" | "hold" = "up";
  /** resolves when a request arrives in "hold" mode (it is never answered) */
  held: Promise<void> = Promise.resolve();
  private release: () => void = () => {};
  private holds: (body: Record<string, unknown>) => boolean = () => true;
  /** the next request `holds` picks is processed and never answered; others are answered */
  holdNext(holds: (body: Record<string, unknown>) => boolean) {
    this.mode = "hold";
    this.holds = holds;
    this.held = new Promise((resolve) => (this.release = resolve));
  }
  /** every request that reached it */
  raw: Received[] = [];
  /** what it processed: each event id once */
  processed: Received[] = [];
  private server: Server = createServer((req, res) => void this.handle(req, res));
  url = "";

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop() {
    this.server.closeAllConnections();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const eventId = (req.headers["x-flightdeck-event-id"] as string | undefined) ?? null;
    const signatureOk =
      req.url === "/hook"
        ? verifyWebhookSignature({
            header: req.headers["x-flightdeck-signature"] as string | undefined,
            secret: SIGNING_SECRET,
            body: text,
            nowSeconds: Math.floor(Date.now() / 1000),
            // the test clock and the wall clock differ by the time the test moved
            windowSeconds: 24 * 3600,
          }).ok
        : true;
    const got: Received = { path: req.url ?? "", eventId, body: JSON.parse(text), signatureOk };
    this.raw.push(got);
    if (this.mode === "down") {
      res.writeHead(503).end("maintenance");
      return;
    }
    if (this.mode === "refuse") {
      res.writeHead(404).end("no_service");
      return;
    }
    const key = eventId ?? `${String(got.body.event_action)}:${String(got.body.dedup_key)}`;
    if (
      !this.processed.some(
        (p) => (p.eventId ?? `${String(p.body.event_action)}:${String(p.body.dedup_key)}`) === key,
      )
    ) {
      this.processed.push(got);
    }
    if (this.mode === "hold" && this.holds(got.body)) {
      // accepted and processed, but the answer never comes: the sender dies waiting
      this.release();
      return;
    }
    if (this.mode === "hang-up") {
      // It accepted the event, then the connection died before the answer: the sender cannot
      // know, and must send it again.
      res.destroy();
      return;
    }
    res.writeHead(202, { "content-type": "application/json" }).end('{"status":"success"}');
  }

  ofType(type: NotificationEventType) {
    return this.processed.filter((r) => r.body.type === type);
  }
}

const receiver = new Receiver();
let admin: Actor;
let engineer: Actor;
let webhookId: string;
let pagerDutyId: string;
let seq = 0;
const RUN = Date.now().toString(36);

async function declare(severity: "SEV2" | "SEV3" = "SEV3", models = ["ranker-xl"]) {
  const data = declareIncidentSchema.parse({
    title: `Notification test ${RUN} #${seq++}`,
    severity,
    summary: "Ranker XL 5xx in us-east-1",
    affectedModels: models,
    affectedRegions: ["us-east-1"],
    linkedSlos: [],
  });
  const { number } = await declareIncident(engineer, meta, data);
  return prisma.incident.findUniqueOrThrow({ where: { number } });
}

async function step(id: string, event: IncidentEvent) {
  const row = await prisma.incident.findUniqueOrThrow({ where: { id } });
  await transitionIncident(engineer, meta, { incidentId: id, version: row.version, event });
}

/** Runs the worker's delivery pass until nothing is due now. */
async function deliverAll() {
  for (let i = 0; i < 20; i++) {
    const r = await deliverNotifications();
    if (r.delivered + r.retrying + r.dead === 0) return;
  }
}

beforeAll(async () => {
  await receiver.start();
  admin = await person(prisma, "admin", { email: `admin-${RUN}@notify.test` });
  engineer = await person(prisma, "engineer", {
    team: "ranking",
    email: `engineer-${RUN}@notify.test`,
  });
  const ranking = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  const hook = await createChannel(
    admin,
    meta,
    createChannelSchema.parse({
      kind: "webhook",
      name: "ranking hook",
      url: `${receiver.url}/hook`,
      signingSecret: SIGNING_SECRET,
    }),
  );
  webhookId = hook.channel.id;
  await addSubscription(
    admin,
    meta,
    addSubscriptionSchema.parse({
      channelId: webhookId,
      teamId: ranking.id,
      events: [
        "incident.opened",
        "incident.acknowledged",
        "incident.mitigated",
        "incident.resolved",
      ],
    }),
  );
  const pd = await createChannel(
    admin,
    meta,
    createChannelSchema.parse({
      kind: "pagerduty",
      name: "ranking pagerduty",
      routingKey: ROUTING_KEY,
      endpoint: `${receiver.url}/v2/enqueue`,
      inboundSecret: PD_INBOUND_SECRET,
    }),
  );
  pagerDutyId = pd.channel.id;
  await addSubscription(
    admin,
    meta,
    addSubscriptionSchema.parse({
      channelId: pagerDutyId,
      events: ["incident.opened", "incident.acknowledged", "incident.resolved"],
    }),
  );
});

afterAll(async () => {
  await receiver.stop();
  await prisma.$disconnect();
});

beforeEach(async () => {
  receiver.mode = "up";
  await deliverAll();
  receiver.raw = [];
  receiver.processed = [];
});

describe("channels", () => {
  it("stores secrets encrypted and never returns them", async () => {
    const row = await prisma.notificationChannel.findUniqueOrThrow({ where: { id: webhookId } });
    expect(row.secret).not.toContain(SIGNING_SECRET);
    expect(row.secret).toMatch(/^v1:/);
    const pd = await prisma.notificationChannel.findUniqueOrThrow({ where: { id: pagerDutyId } });
    expect(pd.secret).not.toContain(ROUTING_KEY);
    expect(pd.inboundSecret).not.toContain(PD_INBOUND_SECRET);
    const listed = JSON.stringify(await listChannels(admin));
    expect(listed).not.toContain(SIGNING_SECRET);
    expect(listed).not.toContain(ROUTING_KEY);
    expect(listed).toContain("…cdef");
  });

  it("refuses non-admins, a non-http URL, and PagerDuty events it does not page on", async () => {
    await expect(listChannels(engineer)).rejects.toThrow();
    expect(() =>
      createChannelSchema.parse({ kind: "slack", name: "bad", url: "javascript:alert(1)" }),
    ).toThrow(/http\(s\) URL/);
    await expect(
      addSubscription(
        admin,
        meta,
        addSubscriptionSchema.parse({ channelId: pagerDutyId, events: ["rollout.aborted"] }),
      ),
    ).rejects.toThrow(/incidents only/);
    await expect(
      createChannel(
        admin,
        meta,
        createChannelSchema.parse({ kind: "slack", name: "ranking hook", url: "https://x.test/a" }),
      ),
    ).rejects.toThrow(/already exists/);
  });
});

describe("the outbox", () => {
  it("records the event with the change, and nothing when the change rolls back", async () => {
    const incident = await declare();
    const events = await prisma.notificationEvent.findMany({
      where: { subjectKey: `incident:${incident.id}` },
      include: { deliveries: true },
    });
    expect(events.map((e) => e.type)).toEqual(["incident.opened"]);
    // SEV3 declared by a person: the webhook, not PagerDuty
    expect(events[0]!.deliveries.map((d) => d.channelId)).toEqual([webhookId]);

    const before = await prisma.notificationEvent.count();
    await expect(
      prisma.$transaction(async (tx) => {
        await notifyIncident(tx, incident.id, "incident.acknowledged", { actor: "x@y.z" });
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await prisma.notificationEvent.count()).toBe(before);
  });

  it("delivers a signed webhook with the documented body and a link to the page", async () => {
    const incident = await declare();
    await deliverAll();
    const [got] = receiver.ofType("incident.opened");
    expect(got?.signatureOk).toBe(true);
    expect(got?.body).toMatchObject({
      schema: "flightdeck.notification.v1",
      id: got?.eventId,
      type: "incident.opened",
      subject: { kind: "incident", name: `INC-${incident.number}` },
      severity: "SEV3",
      team: "Search & Ranking",
      actor: engineer.email,
    });
    expect(String((got?.body.subject as { url: string }).url)).toMatch(
      new RegExp(`/incidents/${incident.number}$`),
    );
    const log = await listDeliveries(admin, { page: 1, channel: webhookId, status: "delivered" });
    expect(log.rows[0]).toMatchObject({ type: "incident.opened", attempts: 1, lastStatus: 202 });
  });

  it("sends only what a subscription matches", async () => {
    const search = await prisma.model.findFirstOrThrow({
      where: { team: { slug: { not: "ranking" } } },
      select: { name: true },
    });
    const incident = await declare("SEV3", [search.name]);
    await deliverAll();
    expect(
      receiver.raw.filter((r) => (r.body.subject as { id?: string })?.id === incident.id),
    ).toEqual([]);
  });
});

describe("delivery you can trust", () => {
  it("delivers everything after a ten-minute outage, in order per subject, once per event id", async () => {
    receiver.mode = "down";
    const a = await declare();
    await step(a.id, "acknowledge");
    await step(a.id, "mitigate");
    await step(a.id, "resolve");
    const b = await declare();
    await step(b.id, "acknowledge");
    // ten minutes of a receiver that answers 503, with the worker trying every 30 s
    for (let t = 0; t < 20; t++) {
      await deliverNotifications();
      time.advance(30_000);
    }
    const waiting = await prisma.notificationDelivery.findMany({
      where: { channelId: webhookId, status: "pending" },
      orderBy: { seq: "asc" },
    });
    expect(waiting).toHaveLength(6);
    // only each subject's head was tried, with backoff; the rest wait behind it
    const heads = waiting.filter((d) => d.attempts > 0);
    expect(heads.map((d) => d.subjectKey).sort()).toEqual(
      [`incident:${a.id}`, `incident:${b.id}`].sort(),
    );
    expect(heads.every((d) => d.attempts >= 5 && d.attempts < 12)).toBe(true);
    expect(heads.every((d) => /HTTP 503/.test(d.lastError ?? ""))).toBe(true);

    receiver.mode = "up";
    time.advance(5 * 60_000);
    await deliverAll();
    const typesOf = (id: string) =>
      receiver.processed
        .filter((r) => r.path === "/hook" && (r.body.subject as { id: string }).id === id)
        .map((r) => r.body.type);
    expect(typesOf(a.id)).toEqual([
      "incident.opened",
      "incident.acknowledged",
      "incident.mitigated",
      "incident.resolved",
    ]);
    expect(typesOf(b.id)).toEqual(["incident.opened", "incident.acknowledged"]);
    const ids = receiver.raw.filter((r) => r.path === "/hook").map((r) => r.eventId);
    const delivered = receiver.raw.filter((r) => r.path === "/hook" && r.body.type);
    expect(delivered.every((r) => r.signatureOk)).toBe(true);
    expect(
      new Set(receiver.processed.filter((r) => r.path === "/hook").map((r) => r.eventId)).size,
    ).toBe(6);
    expect(ids.length).toBeGreaterThanOrEqual(6);
    expect(
      await prisma.notificationDelivery.count({
        where: { channelId: webhookId, status: "pending" },
      }),
    ).toBe(0);
  });

  it("sends again, with the same event id, what a dying connection left unknown", async () => {
    receiver.mode = "hang-up";
    const incident = await declare();
    await deliverNotifications();
    receiver.mode = "up";
    time.advance(60_000);
    await deliverAll();
    const sent = receiver.raw.filter(
      (r) => r.path === "/hook" && (r.body.subject as { id: string }).id === incident.id,
    );
    expect(sent.length).toBe(2);
    expect(sent[0]?.eventId).toBe(sent[1]?.eventId);
    expect(
      receiver.processed.filter((r) => (r.body.subject as { id: string }).id === incident.id),
    ).toHaveLength(1);
  });

  it("loses nothing and processes nothing twice when a worker process is killed mid-send", async () => {
    const incident = await declare();
    await step(incident.id, "acknowledge");
    await step(incident.id, "mitigate");
    // the worker may have other subjects' events to send too: only this incident's is held
    receiver.holdNext((body) => (body.subject as { id?: string } | undefined)?.id === incident.id);
    const root = path.resolve(import.meta.dirname, "../../..");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        "./tests/support/server-only-hook.mjs",
        "tests/support/notifier-process.ts",
        String(time.now().getTime()),
      ],
      {
        cwd: root,
        env: { ...process.env, FLIGHTDECK_WORKER: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    await Promise.race([
      receiver.held,
      exited.then((code) => {
        throw new Error(`the worker ended (${code}) before sending: ${output}`);
      }),
    ]);
    // the receiver has the first event; its sender dies before hearing back
    child.kill("SIGKILL");
    await exited;
    receiver.mode = "up";
    const mine = () =>
      receiver.processed.filter(
        (r) => r.path === "/hook" && (r.body.subject as { id: string }).id === incident.id,
      );
    // the dead worker's lease holds its subject until it expires: nothing overtakes it
    await deliverAll();
    expect(mine()).toHaveLength(1);
    time.advance(61_000);
    await deliverAll();
    expect(mine().map((r) => r.body.type)).toEqual([
      "incident.opened",
      "incident.acknowledged",
      "incident.mitigated",
    ]);
    const sent = receiver.raw.filter(
      (r) => r.path === "/hook" && (r.body.subject as { id: string }).id === incident.id,
    );
    // the first event went twice, with one event id; the receiver processed it once
    expect(sent.map((r) => r.body.type)).toEqual([
      "incident.opened",
      "incident.opened",
      "incident.acknowledged",
      "incident.mitigated",
    ]);
    expect(sent[0]?.eventId).toBe(sent[1]?.eventId);
  });

  it("lets another worker send what a killed worker had claimed, after its lease", async () => {
    const incident = await declare();
    // a worker claimed it and died before sending
    await prisma.notificationDelivery.updateMany({
      where: { channelId: webhookId, status: "pending" },
      data: { leaseOwner: "worker-that-died", leaseUntil: new Date(time.now().getTime() + 60_000) },
    });
    await deliverAll();
    const mine = () =>
      receiver.processed.filter(
        (r) => (r.body.subject as { id?: string } | undefined)?.id === incident.id,
      );
    expect(mine()).toHaveLength(0);
    time.advance(61_000);
    await deliverAll();
    expect(mine()).toHaveLength(1);
  });

  it("is dead at once when the receiver refuses it, and an admin can deliver it again", async () => {
    receiver.mode = "refuse";
    const incident = await declare();
    await deliverAll();
    const dead = await prisma.notificationDelivery.findFirstOrThrow({
      where: { channelId: webhookId, subjectKey: `incident:${incident.id}` },
    });
    expect(dead).toMatchObject({ status: "dead", attempts: 1, lastStatus: 404 });
    expect(dead.lastError).toMatch(/refused by the receiver \(HTTP 404: no_service\)/);

    receiver.mode = "up";
    expect(await redeliver(admin, meta, { deliveryId: dead.id })).toEqual({ queued: true });
    // a double click changes nothing
    expect(await redeliver(admin, meta, { deliveryId: dead.id })).toEqual({ queued: false });
    await deliverAll();
    const again = await prisma.notificationDelivery.findUniqueOrThrow({ where: { id: dead.id } });
    expect(again).toMatchObject({ status: "delivered", attempts: 1 });
    expect(
      await prisma.auditEvent.count({
        where: { action: "notification.redeliver", actorEmail: admin.email },
      }),
    ).toBe(1);
    await expect(redeliver(engineer, meta, { deliveryId: dead.id })).rejects.toThrow();
  });

  it("mutes a disabled channel: what it had queued waits, nothing new is queued", async () => {
    const ch = await prisma.notificationChannel.findUniqueOrThrow({ where: { id: webhookId } });
    const queued = await declare();
    const off = await setChannelEnabled(admin, meta, {
      channelId: webhookId,
      enabled: false,
      version: ch.version,
    });
    const muted = await declare();
    await deliverAll();
    const of = (id: string) =>
      receiver.processed.filter(
        (r) => r.path === "/hook" && (r.body.subject as { id: string }).id === id,
      );
    expect(of(queued.id)).toHaveLength(0);
    await expect(
      setChannelEnabled(admin, meta, { channelId: webhookId, enabled: true, version: ch.version }),
    ).rejects.toThrow(/changed since you loaded it/);
    await setChannelEnabled(admin, meta, {
      channelId: webhookId,
      enabled: true,
      version: off.version,
    });
    await deliverAll();
    expect(of(queued.id)).toHaveLength(1);
    expect(of(muted.id)).toHaveLength(0);
  });
});

describe("PagerDuty", () => {
  const pdEvents = () =>
    receiver.processed.filter((r) => r.path === "/v2/enqueue").map((r) => r.body);

  it("triggers, acknowledges and resolves a SEV2 under one dedup key", async () => {
    const incident = await declare("SEV2");
    await deliverAll();
    await step(incident.id, "acknowledge");
    await step(incident.id, "mitigate");
    await step(incident.id, "resolve");
    await deliverAll();
    const key = `flightdeck-incident-${incident.number}`;
    const mine = pdEvents().filter((e) => e.dedup_key === key);
    expect(mine.map((e) => e.event_action)).toEqual(["trigger", "acknowledge", "resolve"]);
    expect(mine[0]).toMatchObject({
      routing_key: ROUTING_KEY,
      payload: { severity: "error", source: "flightdeck", component: "ranker-xl" },
    });
    expect(JSON.stringify(mine[0])).toContain(`/incidents/${incident.number}`);
    // sending the trigger again now would page on-call for an incident that is over
    const trigger = await prisma.notificationDelivery.findFirstOrThrow({
      where: {
        channelId: pagerDutyId,
        subjectKey: `incident:${incident.id}`,
        event: { type: "incident.opened" },
      },
    });
    await expect(redeliver(admin, meta, { deliveryId: trigger.id })).rejects.toThrow(
      /is resolved: sending its PagerDuty trigger again would page on-call/,
    );
  });

  it("takes an acknowledgement made in PagerDuty, once, and refuses a bad signature", async () => {
    const incident = await declare("SEV2");
    await deliverAll();
    const body = JSON.stringify({
      event: {
        id: "01PDEVENT",
        event_type: "incident.acknowledged",
        agent: { summary: "Pat Pager" },
        data: { id: "Q1", incident_key: `flightdeck-incident-${incident.number}` },
      },
    });
    const sign = (secret: string) =>
      `v1=${createHmac("sha256", secret).update(body).digest("hex")}`;

    await expect(receivePagerDutyWebhook(pagerDutyId, body, sign("wrong"), meta)).rejects.toThrow(
      /does not match/,
    );
    expect((await prisma.incident.findUniqueOrThrow({ where: { id: incident.id } })).status).toBe(
      "triage",
    );

    expect(
      await receivePagerDutyWebhook(pagerDutyId, body, `v1=00, ${sign(PD_INBOUND_SECRET)}`, meta),
    ).toEqual({ outcome: "acknowledged", incident: incident.number });
    const after = await prisma.incident.findUniqueOrThrow({
      where: { id: incident.id },
      include: { events: true },
    });
    expect(after.acknowledgedAt).not.toBeNull();
    expect(after.events.map((e) => e.message)).toContain("Acknowledged in PagerDuty by Pat Pager");
    expect(await receivePagerDutyWebhook(pagerDutyId, body, sign(PD_INBOUND_SECRET), meta)).toEqual(
      { outcome: "unchanged", incident: incident.number },
    );
    expect(
      await prisma.auditEvent.count({
        where: {
          targetId: pagerDutyId,
          action: "notification.pagerduty.inbound",
          outcome: "denied",
        },
      }),
    ).toBe(1);
  });

  it("acknowledges only incidents this channel triggered, and nothing while it is muted", async () => {
    // a SEV3 declared by a person never went to PagerDuty: a validly signed event naming it
    // (another source in the same account used our dedup key) changes nothing
    const quiet = await declare("SEV3");
    await deliverAll();
    const body = (n: number) =>
      JSON.stringify({
        event: {
          event_type: "incident.acknowledged",
          data: { incident_key: `flightdeck-incident-${n}` },
        },
      });
    const sign = (b: string) =>
      `v1=${createHmac("sha256", PD_INBOUND_SECRET).update(b).digest("hex")}`;
    expect(
      await receivePagerDutyWebhook(
        pagerDutyId,
        body(quiet.number),
        sign(body(quiet.number)),
        meta,
      ),
    ).toEqual({ outcome: "ignored", incident: quiet.number });
    expect(
      (await prisma.incident.findUniqueOrThrow({ where: { id: quiet.id } })).acknowledgedAt,
    ).toBeNull();

    const paged = await declare("SEV2");
    await deliverAll();
    const ch = await prisma.notificationChannel.findUniqueOrThrow({ where: { id: pagerDutyId } });
    const off = await setChannelEnabled(admin, meta, {
      channelId: pagerDutyId,
      enabled: false,
      version: ch.version,
    });
    await expect(
      receivePagerDutyWebhook(pagerDutyId, body(paged.number), sign(body(paged.number)), meta),
    ).rejects.toThrow(/No PagerDuty channel/);
    await setChannelEnabled(admin, meta, {
      channelId: pagerDutyId,
      enabled: true,
      version: off.version,
    });
    expect(
      await receivePagerDutyWebhook(
        pagerDutyId,
        body(paged.number),
        sign(body(paged.number)),
        meta,
      ),
    ).toEqual({ outcome: "acknowledged", incident: paged.number });

    // a NUL in the responder's name (PostgreSQL text cannot hold one) is dropped, not a 500
    const other = await declare("SEV2");
    await deliverAll();
    const nul = JSON.stringify({
      event: {
        event_type: "incident.acknowledged",
        agent: { summary: "Pat\u0000 Pager" },
        data: { incident_key: `flightdeck-incident-${other.number}` },
      },
    });
    expect(await receivePagerDutyWebhook(pagerDutyId, nul, sign(nul), meta)).toEqual({
      outcome: "acknowledged",
      incident: other.number,
    });
    const said = await prisma.incidentEvent.findMany({ where: { incidentId: other.id } });
    expect(said.map((e) => e.message)).toContain("Acknowledged in PagerDuty by Pat Pager");
  });
});

describe("freezes starting", () => {
  it("announces a repeating freeze once when it starts, to a team's channel too", async () => {
    const ranking = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
    await addSubscription(
      admin,
      meta,
      addSubscriptionSchema.parse({
        channelId: webhookId,
        teamId: ranking.id,
        events: ["freeze.starting"],
      }),
    );
    const now = time.now();
    // a freeze that starts two minutes from now, every week at this time, for an hour
    const startsAt = new Date(now.getTime() + 2 * 60_000);
    const minute = startsAt.getUTCHours() * 60 + startsAt.getUTCMinutes();
    const day = startsAt.getUTCDay() === 0 ? 7 : startsAt.getUTCDay();
    const endMinute = (minute + 60) % 1440;
    await createRecurringWindow(
      admin,
      meta,
      recurringWindowSchema.parse({
        name: `Notify freeze ${RUN}`,
        kind: "freeze",
        tier: "production",
        timeZone: "UTC",
        startDay: day,
        startTime: `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`,
        endDay: minute + 60 >= 1440 ? (day % 7) + 1 : day,
        endTime: `${String(Math.floor(endMinute / 60)).padStart(2, "0")}:${String(endMinute % 60).padStart(2, "0")}`,
        reason: "Quarter-end close",
      }),
    );
    expect(await announceFreezes(time.now())).toBe(0);
    time.advance(3 * 60_000);
    // two workers (or two ticks) see it: one event
    await announceFreezes(time.now());
    await announceFreezes(time.now());
    const events = await prisma.notificationEvent.findMany({
      where: { type: "freeze.starting", subjectKey: { contains: `Notify freeze ${RUN}` } },
    });
    expect(events).toHaveLength(1);
    await deliverAll();
    const got = receiver.ofType("freeze.starting");
    expect(got).toHaveLength(1);
    expect(got[0]?.body).toMatchObject({
      subject: { kind: "freeze" },
      environment: "production",
      reason: "Quarter-end close",
    });
    expect(String(got[0]?.body.summary)).toMatch(
      /started: no new changes to production environments/,
    );
    await prisma.recurringWindow.deleteMany({ where: { name: `Notify freeze ${RUN}` } });
  });
});
