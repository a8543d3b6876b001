import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { inSpan, startTracing } from "../../../src/lib/telemetry/tracing";

describe("tracing", () => {
  it("is off without OTEL_EXPORTER_OTLP_ENDPOINT: no provider, spans are no-ops", async () => {
    expect(await startTracing({})).toBeNull();
    let inside = "";
    const result = await inSpan("work", { "flightdeck.rollout.id": "r1" }, async () => {
      inside = trace.getActiveSpan()?.spanContext().traceId ?? "none";
      return 42;
    });
    expect(result).toBe(42);
    // The API's no-op span: an all-zero trace id, nothing recorded.
    expect(inside).toMatch(/^(none|0{32})$/);
    await expect(
      inSpan("failing", {}, async () => {
        throw new Error("cluster said no");
      }),
    ).rejects.toThrow("cluster said no");
  });
});
