// An alert storm: 5,000 Alertmanager alerts in one minute for 50 fingerprints, delivered to the
// webhook (`POST /api/v1/alerts/alertmanager`) of two web replicas as Alertmanager delivers
// them — notifications of a few alerts each, many at once, repeats of the same firing alerts,
// some resolving and firing again. Each fingerprint must open exactly one incident, and every
// delivery must answer 200 within Alertmanager's notification timeout.
//
// Which timeout: Flightdeck sets none on the webhook; Alertmanager gives up on a notification
// after its group_interval (5 min by default) and never sooner than 10 s (its minimum notify
// timeout). The scenario holds every delivery to the tightest of these, 10 s.
import type { Scenario } from "../scenario";
import { createApiToken, sleep, sql, startDatabase } from "../support/app";
import { Replicas } from "../support/processes";
import { percentile } from "../support/rollouts";

const TIMEOUT_MS = 10_000;
const ALERTS_PER_NOTIFICATION = 10;
const IN_FLIGHT = 12;

interface Delivery {
  status: "firing" | "resolved";
  fingerprints: string[];
}

const scenario: Scenario = {
  name: "alert-storm",
  order: 40,
  async run({ short, log, port }) {
    const alerts = short ? 500 : 5_000;
    const fingerprintCount = short ? 10 : 50;
    const windowMs = short ? 10_000 : 60_000;
    const failures: string[] = [];
    const database = await startDatabase();
    const replicas = new Replicas(database.url);
    await replicas.start({ web: 2, worker: 0 }, port);
    const token = await createApiToken(database.url, {
      email: "admin@flightdeck.demo",
      scopes: ["incident.work"],
      team: "ranking",
      name: "alertmanager",
    });
    const models = await sql<{ name: string }>(
      database.url,
      `SELECT m.name FROM "Model" m JOIN "Team" t ON t.id = m."teamId" WHERE t.slug = 'ranking' ORDER BY m.name`,
    );
    const before = await sql<{ n: string }>(database.url, `SELECT count(*) AS n FROM "Incident"`);

    const fingerprints = Array.from(
      { length: fingerprintCount },
      (_, i) => `storm${String(i).padStart(3, "0")}`,
    );
    const labels = (fp: string, i: number) => ({
      alertname: `StormAlert${i % 5}`,
      severity: i % 3 === 0 ? "critical" : "warning",
      region: ["us-east-1", "eu-west-1", "us-west-2", "ap-southeast-1"][i % 4] ?? "us-east-1",
      storm: fp,
      ...(models.length > 0 ? { model: models[i % models.length]?.name ?? "" } : {}),
    });
    // The storm: notifications of ALERTS_PER_NOTIFICATION alerts, round-robin over the
    // fingerprints; in its second half a fifth of the fingerprints resolve, then fire again.
    const deliveries: Delivery[] = [];
    let cursor = 0;
    const total = Math.ceil(alerts / ALERTS_PER_NOTIFICATION);
    for (let d = 0; d < total; d++) {
      const phase = d / total;
      const resolving = phase > 0.5 && phase < 0.6 && d % 5 === 0;
      const batch: string[] = [];
      for (let a = 0; a < ALERTS_PER_NOTIFICATION; a++) {
        batch.push(fingerprints[cursor % fingerprints.length] ?? "");
        cursor += 1;
      }
      deliveries.push({ status: resolving ? "resolved" : "firing", fingerprints: batch });
    }
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const body = (delivery: Delivery) =>
      JSON.stringify({
        version: "4",
        groupKey: `{}:{storm="reliability"}`,
        truncatedAlerts: 0,
        status: delivery.status,
        receiver: "flightdeck",
        groupLabels: {},
        commonLabels: {},
        commonAnnotations: {},
        externalURL: "http://alertmanager.invalid",
        alerts: delivery.fingerprints.map((fp) => {
          const i = fingerprints.indexOf(fp);
          return {
            status: delivery.status,
            labels: labels(fp, i),
            annotations: { summary: `Storm alert ${fp}`, description: "The reliability suite" },
            startsAt,
            endsAt:
              delivery.status === "resolved" ? new Date().toISOString() : "0001-01-01T00:00:00Z",
            generatorURL: "",
            fingerprint: fp,
          };
        }),
      });

    const latencies: number[] = [];
    const outcomes = new Map<string, number>();
    let sent = 0;
    let slow = 0;
    const t0 = Date.now();
    const webs = replicas.webs();
    // Deliveries are paced over the window; at most IN_FLIGHT at once, as Alertmanager's
    // notification pipeline for many groups would send them.
    let next = 0;
    const worker = async () => {
      for (;;) {
        const index = next++;
        const delivery = deliveries[index];
        if (!delivery) return;
        const due = t0 + (index / deliveries.length) * windowMs;
        if (Date.now() < due) await sleep(due - Date.now());
        const web = webs[index % webs.length];
        if (!web) return;
        const started = performance.now();
        try {
          const res = await fetch(`${web.url}/api/v1/alerts/alertmanager`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: body(delivery),
            signal: AbortSignal.timeout(TIMEOUT_MS * 3),
          });
          const text = await res.text();
          const ms = performance.now() - started;
          latencies.push(ms);
          if (ms > TIMEOUT_MS) slow += 1;
          if (res.status !== 200) {
            failures.push(`delivery ${index}: HTTP ${res.status} ${text.slice(0, 200)}`);
            continue;
          }
          const answer = JSON.parse(text) as { alerts: { outcome: string }[] };
          for (const a of answer.alerts)
            outcomes.set(a.outcome, (outcomes.get(a.outcome) ?? 0) + 1);
          sent += delivery.fingerprints.length;
        } catch (error) {
          latencies.push(performance.now() - started);
          failures.push(`delivery ${index}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const tookMs = Date.now() - t0;
    log(`${sent} alerts in ${deliveries.length} deliveries took ${(tookMs / 1000).toFixed(1)} s`);

    const incidents = await sql<{ fingerprint: string; incidents: string; severity: string }>(
      database.url,
      `SELECT a.fingerprint, count(DISTINCT a."incidentId") AS incidents,
              min(i.severity::text) AS severity
         FROM "IncidentAlert" a JOIN "Incident" i ON i.id = a."incidentId"
        WHERE a.fingerprint LIKE 'storm%' GROUP BY 1`,
    );
    const opened = await sql<{ n: string }>(database.url, `SELECT count(*) AS n FROM "Incident"`);
    const newIncidents = Number(opened[0]?.n ?? 0) - Number(before[0]?.n ?? 0);
    for (const fp of fingerprints) {
      const row = incidents.find((r) => r.fingerprint === fp);
      if (!row) failures.push(`${fp}: no incident holds it`);
      else if (Number(row.incidents) !== 1)
        failures.push(`${fp}: held by ${row.incidents} incidents`);
      // The right incident: the severity its labels ask for (critical → SEV2, warning → SEV3).
      const wanted = labels(fp, fingerprints.indexOf(fp)).severity === "critical" ? "SEV2" : "SEV3";
      if (row && row.severity !== wanted) {
        failures.push(`${fp}: its incident is ${row.severity}, its alerts say ${wanted}`);
      }
    }
    if (newIncidents !== fingerprintCount) {
      failures.push(`${newIncidents} incidents opened for ${fingerprintCount} fingerprints`);
    }
    if ((outcomes.get("opened") ?? 0) !== fingerprintCount) {
      failures.push(
        `${outcomes.get("opened") ?? 0} alerts answered "opened", not ${fingerprintCount}`,
      );
    }
    if ((outcomes.get("refused") ?? 0) > 0)
      failures.push(`${outcomes.get("refused")} alerts refused`);
    if (slow > 0) failures.push(`${slow} deliveries took longer than ${TIMEOUT_MS / 1000} s`);
    return {
      name: "alert-storm",
      figures: {
        alerts: sent,
        deliveries: deliveries.length,
        fingerprints: fingerprintCount,
        "incidents opened": newIncidents,
        "storm s": Math.round(tookMs / 1000),
        "p50 ms": Math.round(percentile(latencies, 50)),
        "p95 ms": Math.round(percentile(latencies, 95)),
        "max ms": Math.round(percentile(latencies, 100)),
        "timeout s": TIMEOUT_MS / 1000,
      },
      failures: failures.slice(0, 50),
    };
  },
};

export default scenario;
