import { createHmac } from "node:crypto";
import { createChannelSchema, notificationWebhookBodySchema } from "@/lib/schemas/notifications";
import { openApiDocument } from "@/app/api/v1/openapi.json/operations";
import { describe, expect, it } from "vitest";
import {
  FIRST_RETRY_MS,
  MAX_ATTEMPTS,
  MAX_RETRY_MS,
  judgeAttempt,
  retryDelayMs,
  signWebhook,
  verifyPagerDutySignature,
  verifyWebhookSignature,
} from "@/lib/domain/notifications/delivery";
import {
  eventsForKind,
  incidentDedupKey,
  incidentNumberOfDedupKey,
  pagerDutyEligible,
  type NotificationPayload,
} from "@/lib/domain/notifications/events";
import {
  pageUrl,
  pagerDutyEvent,
  slackEscape,
  slackMessage,
  webhookBody,
} from "@/lib/domain/notifications/messages";

const now = new Date("2026-12-05T10:00:00Z");

function payload(over: Partial<NotificationPayload> = {}): NotificationPayload {
  return {
    type: "incident.opened",
    subject: { kind: "incident", id: "i1", name: "INC-42", path: "/incidents/42" },
    summary: "SEV2 Ranker 5xx: opened by Flightdeck.",
    actor: null,
    reason: "burn rate 14× over 1 h",
    blastRadius: "models ranker-xl in regions us-east-1",
    team: "Search & Ranking",
    model: "ranker-xl",
    environment: null,
    severity: "SEV2",
    openedByFlightdeck: true,
    facts: [{ label: "SLOs", value: "ranker-xl-availability" }],
    ...over,
  };
}

describe("retry backoff", () => {
  it("doubles from 10 s and stops at 5 minutes", () => {
    expect(retryDelayMs(1)).toBe(FIRST_RETRY_MS);
    expect(retryDelayMs(2)).toBe(20_000);
    expect(retryDelayMs(5)).toBe(160_000);
    expect(retryDelayMs(6)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(1000)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(0)).toBe(FIRST_RETRY_MS);
    expect(retryDelayMs(Number.NaN)).toBe(FIRST_RETRY_MS);
  });

  it("keeps trying for longer than a ten-minute outage", () => {
    let total = 0;
    for (let n = 1; n < MAX_ATTEMPTS; n++) total += retryDelayMs(n);
    expect(total).toBeGreaterThan(30 * 60_000);
  });
});

describe("judging an attempt", () => {
  const judge = (status: number | null, attempts = 1, retryAfterSeconds: number | null = null) =>
    judgeAttempt({ status, detail: "x", attempts, now, retryAfterSeconds });

  it("counts any 2xx as delivered", () => {
    expect(judge(200).kind).toBe("delivered");
    expect(judge(202).kind).toBe("delivered");
    expect(judge(299).kind).toBe("delivered");
    expect(judge(300).kind).toBe("dead");
  });

  it("retries timeouts, 408, 429 and 5xx with backoff", () => {
    for (const status of [null, 408, 429, 500, 503]) {
      const v = judge(status, 3);
      expect(v).toEqual(
        expect.objectContaining({ kind: "retry", at: new Date(now.getTime() + 40_000) }),
      );
    }
  });

  it("waits as long as Retry-After asks, up to an hour", () => {
    const v = judge(429, 1, 120);
    expect(v.kind === "retry" && v.at.getTime() - now.getTime()).toBe(120_000);
    const capped = judge(429, 1, 10_000_000);
    expect(capped.kind === "retry" && capped.at.getTime() - now.getTime()).toBe(3_600_000);
  });

  it("gives up after the last attempt, and at once on a refusal", () => {
    expect(judge(503, MAX_ATTEMPTS - 1).kind).toBe("retry");
    const dead = judge(503, MAX_ATTEMPTS);
    expect(dead).toEqual({
      kind: "dead",
      error: `gave up after ${MAX_ATTEMPTS} attempts (last: HTTP 503: x)`,
    });
    expect(judge(400)).toEqual({ kind: "dead", error: "refused by the receiver (HTTP 400: x)" });
    expect(judge(404).kind).toBe("dead");
  });
});

describe("webhook signatures", () => {
  const secret = "whsec_0123456789abcdef";
  const body = '{"id":"e1"}';
  const t = 1_800_000_000;

  it("verifies what it signs, inside the replay window only", () => {
    const header = signWebhook(secret, t, body);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ header, secret, body, nowSeconds: t })).toEqual({ ok: true });
    expect(verifyWebhookSignature({ header, secret, body, nowSeconds: t + 300 }).ok).toBe(true);
    expect(verifyWebhookSignature({ header, secret, body, nowSeconds: t + 301 })).toEqual({
      ok: false,
      reason: "timestamp outside the 300 s replay window",
    });
    expect(verifyWebhookSignature({ header, secret, body, nowSeconds: t - 301 }).ok).toBe(false);
  });

  it("refuses a changed body, another secret, a moved timestamp and junk", () => {
    const header = signWebhook(secret, t, body);
    expect(verifyWebhookSignature({ header, secret, body: '{"id":"e2"}', nowSeconds: t }).ok).toBe(
      false,
    );
    expect(verifyWebhookSignature({ header, secret: "other", body, nowSeconds: t }).ok).toBe(false);
    const moved = header.replace(`t=${t}`, `t=${t + 1}`);
    expect(verifyWebhookSignature({ header: moved, secret, body, nowSeconds: t }).ok).toBe(false);
    for (const junk of [null, "", "v1=abc", "t=x,v1=00", "t=1800000000", `t=${t},v1=zz`]) {
      expect(verifyWebhookSignature({ header: junk, secret, body, nowSeconds: t }).ok).toBe(false);
    }
  });

  it("accepts any of several v1 signatures (a rotation)", () => {
    const good = signWebhook(secret, t, body).split(",")[1];
    const header = `t=${t},v1=${"0".repeat(64)},${good}`;
    expect(verifyWebhookSignature({ header, secret, body, nowSeconds: t }).ok).toBe(true);
  });

  it("checks PagerDuty's signature over the body", () => {
    const mac = createHmac("sha256", "pd").update(body).digest("hex");
    expect(verifyPagerDutySignature(`v1=${mac}`, "pd", body)).toBe(true);
    expect(verifyPagerDutySignature(`v1=bad, v1=${mac}`, "pd", body)).toBe(true);
    expect(verifyPagerDutySignature(`v1=${mac}`, "pd", `${body} `)).toBe(false);
    expect(verifyPagerDutySignature(`v2=${mac}`, "pd", body)).toBe(false);
    expect(verifyPagerDutySignature(null, "pd", body)).toBe(false);
  });
});

describe("what PagerDuty receives", () => {
  it("pages on incidents Flightdeck opens or declared SEV1/SEV2, and follows them", () => {
    expect(pagerDutyEligible(payload())).toBe(true);
    expect(pagerDutyEligible(payload({ openedByFlightdeck: false, severity: "SEV1" }))).toBe(true);
    expect(pagerDutyEligible(payload({ openedByFlightdeck: false, severity: "SEV3" }))).toBe(false);
    expect(pagerDutyEligible(payload({ type: "incident.acknowledged", severity: "SEV4" }))).toBe(
      true,
    );
    expect(pagerDutyEligible(payload({ type: "incident.mitigated" }))).toBe(false);
    expect(pagerDutyEligible(payload({ type: "rollout.aborted" }))).toBe(false);
    expect(eventsForKind("pagerduty")).toEqual([
      "incident.opened",
      "incident.acknowledged",
      "incident.resolved",
    ]);
    expect(eventsForKind("slack")).toContain("rollout.aborted");
  });

  it("names the incident by a dedup key both sides read", () => {
    expect(incidentDedupKey(42)).toBe("flightdeck-incident-42");
    expect(incidentNumberOfDedupKey("flightdeck-incident-42")).toBe(42);
    for (const other of [
      null,
      undefined,
      "",
      "flightdeck-incident-",
      "flightdeck-incident-4x",
      "x-flightdeck-incident-1",
      "flightdeck-incident-1234567890",
      "__proto__",
    ]) {
      expect(incidentNumberOfDedupKey(other)).toBeNull();
    }
  });

  it("triggers with the facts and a link, acknowledges and resolves by key alone", () => {
    const e = { id: "ev1", occurredAt: now, payload: payload() };
    const trigger = pagerDutyEvent(e, "KEY", "https://fd.example.com/");
    expect(trigger).toMatchObject({
      routing_key: "KEY",
      event_action: "trigger",
      dedup_key: "flightdeck-incident-42",
      payload: {
        severity: "error",
        source: "flightdeck",
        component: "ranker-xl",
        group: "Search & Ranking",
        custom_details: { reason: "burn rate 14× over 1 h", SLOs: "ranker-xl-availability" },
      },
      links: [{ href: "https://fd.example.com/incidents/42" }],
    });
    const ack = pagerDutyEvent(
      { ...e, payload: payload({ type: "incident.acknowledged" }) },
      "KEY",
      "x",
    );
    expect(ack).toEqual({
      routing_key: "KEY",
      event_action: "acknowledge",
      dedup_key: "flightdeck-incident-42",
    });
    expect(
      pagerDutyEvent({ ...e, payload: payload({ type: "incident.mitigated" }) }, "K", "x"),
    ).toBeNull();
    const sev1 = pagerDutyEvent({ ...e, payload: payload({ severity: "SEV1" }) }, "K", "x");
    expect(sev1?.payload?.severity).toBe("critical");
  });
});

describe("messages", () => {
  it("builds page links whatever the slashes", () => {
    expect(pageUrl("https://fd.example.com", "/rollouts/r1")).toBe(
      "https://fd.example.com/rollouts/r1",
    );
    expect(pageUrl("https://fd.example.com//", "rollouts/r1")).toBe(
      "https://fd.example.com/rollouts/r1",
    );
    expect(pageUrl("https://fd.example.com/base/", "/x")).toBe("https://fd.example.com/base/x");
  });

  it("gives webhooks the versioned body with an absolute link", () => {
    const body = webhookBody({ id: "ev1", occurredAt: now, payload: payload() }, "http://h:3000");
    expect(body).toMatchObject({
      schema: "flightdeck.notification.v1",
      id: "ev1",
      type: "incident.opened",
      occurredAt: "2026-12-05T10:00:00.000Z",
      subject: { url: "http://h:3000/incidents/42", name: "INC-42" },
    });
  });

  it("escapes what people typed in Slack's mrkdwn and links back to the page", () => {
    expect(slackEscape("a <b> & c")).toBe("a &lt;b&gt; &amp; c");
    const msg = slackMessage(
      {
        id: "ev1",
        occurredAt: now,
        payload: payload({ summary: "<!channel> & co", reason: null }),
      },
      "https://fd.example.com",
    );
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain("&lt;!channel&gt; &amp; co");
    expect(text).not.toContain("<!channel>");
    expect(text).toContain('"url":"https://fd.example.com/incidents/42"');
    expect(msg.text).toContain("https://fd.example.com/incidents/42");
    // the fallback text pings nobody either
    expect(msg.text).toContain("&lt;!channel&gt;");
    expect(msg.text).not.toContain("<!channel>");
  });

  it("keeps Slack's limit of ten fields", () => {
    const facts = Array.from({ length: 15 }, (_, i) => ({ label: `f${i}`, value: "v" }));
    const msg = slackMessage({ id: "e", occurredAt: now, payload: payload({ facts }) }, "http://h");
    const section = (msg.blocks as { fields?: unknown[] }[]).find((b) => b.fields);
    expect(section?.fields).toHaveLength(10);
  });
});

describe("the published webhook schema", () => {
  it("matches what Flightdeck sends, field for field", () => {
    const body = webhookBody({ id: "ev1", occurredAt: now, payload: payload() }, "http://h");
    expect(notificationWebhookBodySchema.parse(body)).toEqual(body);
    // strict: a field the schema does not publish fails here
    expect(() => notificationWebhookBodySchema.parse({ ...body, extra: 1 })).toThrow();
  });

  it("is in the OpenAPI document's webhooks, with its signature header", () => {
    const doc = openApiDocument();
    const post = doc.webhooks?.notification?.post;
    expect(post?.requestBody?.content["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/NotificationWebhook",
    });
    expect(post?.parameters?.map((p) => p.name)).toContain("X-Flightdeck-Signature");
    expect(doc.components.schemas.NotificationWebhook).toBeDefined();
    expect(doc.paths["/api/v1/notifications/pagerduty/{channelId}"]?.post?.security).toEqual([]);
  });
});

describe("channel input", () => {
  it("takes Slack-style names and http(s) URLs only", () => {
    const slack = (name: string, url = "https://hooks.slack.com/services/T/B/x") =>
      createChannelSchema.safeParse({ kind: "slack", name, url }).success;
    expect(slack("#ml-alerts")).toBe(true);
    expect(slack("ranking on-call")).toBe(true);
    expect(slack("-x-")).toBe(false);
    expect(slack("ab")).toBe(false);
    expect(slack("ok name", "ftp://hooks.example.com/x")).toBe(false);
    expect(slack("ok name", "javascript:alert(1)")).toBe(false);
    expect(slack("ok name", "hooks.slack.com/services/x")).toBe(false);
    // a password in the URL would be shown and logged with errors: refused
    expect(slack("ok name", "https://user:pass@hooks.example.com/x")).toBe(false);
    const pd = (routingKey: string) =>
      createChannelSchema.safeParse({ kind: "pagerduty", name: "pd", routingKey }).success;
    expect(pd("R0123456789ABCDEF0123456789ABCDE")).toBe(false); // the name is too short
    expect(
      createChannelSchema.safeParse({
        kind: "pagerduty",
        name: "ranking pd",
        routingKey: "R0123456789ABCDEF0123456789ABCDE",
      }).success,
    ).toBe(true);
    expect(
      createChannelSchema.safeParse({ kind: "pagerduty", name: "ranking pd", routingKey: "short" })
        .success,
    ).toBe(false);
    expect(
      createChannelSchema.safeParse({
        kind: "webhook",
        name: "ops bus",
        url: "https://ops.example.com/hook",
        signingSecret: "too-short",
      }).success,
    ).toBe(false);
  });
});
