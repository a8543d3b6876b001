import { describe, expect, it } from "vitest";
import {
  clustersSynced,
  exposition,
  loopTicked,
  loopTicks,
  platformWriteDuration,
  registerPool,
  timed,
} from "../../../src/lib/telemetry/metrics";

describe("Flightdeck's own metrics", () => {
  it("are exposed in Prometheus text format under the documented names", async () => {
    const { contentType, body } = await exposition();
    expect(contentType).toContain("text/plain");
    for (const name of [
      "flightdeck_http_request_duration_seconds",
      "flightdeck_server_action_duration_seconds",
      "flightdeck_engine_step_duration_seconds",
      "flightdeck_platform_write_duration_seconds",
      "flightdeck_slo_evaluation_duration_seconds",
      "flightdeck_fleet_sync_age_seconds",
      "flightdeck_alert_intake_total",
      "flightdeck_db_pool_connections",
      "flightdeck_prisma_plan_cache_total",
      "flightdeck_worker_loop_last_tick_timestamp_seconds",
      "flightdeck_process_resident_memory_bytes",
    ]) {
      expect(body).toContain(`# TYPE ${name} `);
    }
  });

  it("time work with its outcome, and rethrow failures", async () => {
    await timed(
      (s, outcome) => platformWriteDuration.observe({ driver: "test", outcome }, s),
      async () => "done",
    );
    await expect(
      timed(
        (s, outcome) => platformWriteDuration.observe({ driver: "test", outcome }, s),
        async () => {
          throw new Error("cluster said no");
        },
      ),
    ).rejects.toThrow("cluster said no");
    const { body } = await exposition();
    expect(body).toMatch(
      /flightdeck_platform_write_duration_seconds_count\{driver="test",outcome="ok"\} 1/,
    );
    expect(body).toMatch(
      /flightdeck_platform_write_duration_seconds_count\{driver="test",outcome="error"\} 1/,
    );
  });

  it("have no engine-lag sample where no engine ever completed a pass (a web process)", async () => {
    const { body } = await exposition();
    expect(body).not.toContain("flightdeck_engine_loop_lag_seconds");
  });

  it("let a cluster's sync age grow while its inventory is not read again", async () => {
    clustersSynced(["gke-us-east1-serving"], Date.now() - 30_000);
    const age = async () =>
      Number(
        /^flightdeck_fleet_sync_age_seconds\{cluster="gke-us-east1-serving"\} (\S+)$/m.exec(
          (await exposition()).body,
        )?.[1],
      );
    expect(await age()).toBeGreaterThanOrEqual(30);
    clustersSynced(["gke-us-east1-serving"], Date.now() - 90_000);
    expect(await age()).toBeGreaterThanOrEqual(90);
    clustersSynced(["gke-us-east1-serving"], Date.now());
    expect(await age()).toBeLessThan(5);
  });

  it("report the engine's lag from its last completed pass, and each loop's last tick", async () => {
    const started = Date.now() - 3_000;
    loopTicked("engine", started);
    expect(loopTicks().get("engine")).toBeGreaterThanOrEqual(started);
    const { body } = await exposition();
    const lag = Number(/^flightdeck_engine_loop_lag_seconds (\S+)$/m.exec(body)?.[1]);
    expect(lag).toBeGreaterThanOrEqual(3);
    expect(lag).toBeLessThan(30);
    expect(body).toMatch(/flightdeck_worker_loop_last_tick_timestamp_seconds\{loop="engine"\} \d+/);
  });

  it("read the database pool's counts when scraped", async () => {
    registerPool(() => ({ totalCount: 7, idleCount: 3, waitingCount: 2 }));
    const { body } = await exposition();
    expect(body).toContain('flightdeck_db_pool_connections{state="in_use"} 4');
    expect(body).toContain('flightdeck_db_pool_connections{state="idle"} 3');
    expect(body).toContain('flightdeck_db_pool_connections{state="waiting"} 2');
  });
});
