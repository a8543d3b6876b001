import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, logLevel, scrub } from "../../../src/lib/telemetry/log";

function capture(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const text: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text.push(chunk.toString());
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(sink, level), lines, text };
}

const DATABASE_URL = "postgresql://flightdeck:s3cr3t-db-pass@db.internal:5432/flightdeck";
const TOKEN = "fdk_live_9c1d2e3f4a5b6c7d8e9f";

describe("logs", () => {
  it("are one JSON object per line with level, time, service and the fields given", () => {
    const { logger, lines } = capture();
    logger.info({ requestId: "req-12345678", route: "/rollouts/[id]", status: 200 }, "request");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "info",
      service: "flightdeck",
      requestId: "req-12345678",
      route: "/rollouts/[id]",
      status: 200,
      msg: "request",
    });
    expect(typeof lines[0]?.time).toBe("string");
  });

  it("never carry secrets: credential fields, connection strings, bearer and API tokens", () => {
    const { logger, text } = capture();
    logger.info({
      headers: { authorization: `Bearer ${TOKEN}`, cookie: "authjs.session-token=abc123secret" },
      password: "correct horse battery staple",
      DATABASE_URL,
      AUTH_SECRET: "auth-secret-value-xyz",
    });
    logger.error({ err: new Error(`connect failed: ${DATABASE_URL}`) }, "database down");
    logger.warn(`token ${TOKEN} refused; retried with Authorization: Bearer ${TOKEN}`);
    const all = text.join("");
    for (const secret of [
      "s3cr3t-db-pass",
      TOKEN,
      "abc123secret",
      "correct horse battery staple",
      "auth-secret-value-xyz",
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain("[redacted]");
    // What is not secret stays readable.
    expect(all).toContain("db.internal:5432/flightdeck");
    expect(all).toContain("connect failed");
  });

  it("never carry them at any depth, in errors' own properties, or in passwords with / and @", () => {
    const { logger, text, lines } = capture();
    const failure = Object.assign(new Error("pool failed"), {
      config: { connectionString: DATABASE_URL, password: "pw-in-config" },
      detail: `while connecting to ${DATABASE_URL}`,
    });
    logger.info({ url: DATABASE_URL });
    logger.info({ connectionString: "postgres://a:b@c/d" });
    logger.info({ req: { headers: { Authorization: `Bearer ${TOKEN}` } } });
    logger.error({ err: failure }, "database down");
    logger.warn("odd passwords: postgres://u:pa/ss@h/db and postgres://u:p@ss@h/db");
    const all = text.join("");
    for (const secret of ["s3cr3t-db-pass", TOKEN, "pw-in-config", "pa/ss", "p@ss", ":b@c"]) {
      expect(all).not.toContain(secret);
    }
    // The error keeps what helps: its type, message and stack, and the host it tried.
    const logged = lines[3]?.err as Record<string, unknown>;
    expect(logged.type).toBe("Error");
    expect(logged.message).toBe("pool failed");
    expect(String(logged.stack)).toContain("pool failed");
    expect(String(logged.detail)).toContain("db.internal:5432/flightdeck");
  });

  it("take their level from LOG_LEVEL, default info; an unknown level is info", () => {
    expect(logLevel(undefined)).toBe("info");
    expect(logLevel("DEBUG")).toBe("debug");
    expect(logLevel(" warn ")).toBe("warn");
    expect(logLevel("verbose")).toBe("info");
    const { logger, lines } = capture("warn");
    logger.info("hidden");
    logger.warn("shown");
    expect(lines.map((l) => l.msg)).toEqual(["shown"]);
  });

  it("scrub leaves text without secrets unchanged", () => {
    expect(scrub("rollout r1 promoted to 40%")).toBe("rollout r1 promoted to 40%");
    expect(scrub("https://grafana.example.com/d/abc")).toBe("https://grafana.example.com/d/abc");
    expect(scrub("basic dXNlcjpwYXNz")).toBe("basic [redacted]");
  });
});
