import { afterEach, describe, expect, it } from "vitest";
import { installClock, ManualClock } from "@/lib/clock";
import { SharedRead } from "@/lib/shared-read";

afterEach(() => installClock(null));

describe("a read shared by every user of the process", () => {
  it("computes once for readers that arrive together or within the time to live", async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5));
    installClock(clock);
    const shared = new SharedRead<number>({ ttlMs: 60_000 });
    let computations = 0;
    let release: (() => void) | undefined;
    const compute = () =>
      new Promise<number>((resolve) => {
        computations += 1;
        release = () => resolve(computations);
      });
    const together = Promise.all([1, 2, 3].map(() => shared.read("2026-Q4", compute)));
    release?.();
    const answers = await together;
    expect(computations).toBe(1);
    expect(answers.map((a) => a.value)).toEqual([1, 1, 1]);

    clock.advance(59_000);
    expect((await shared.read("2026-Q4", async () => 99)).value).toBe(1);
    // Another key is its own computation.
    expect((await shared.read("2026-Q3", async () => 7)).value).toBe(7);

    clock.advance(1_000);
    const fresh = await shared.read("2026-Q4", async () => 2);
    expect(fresh.value).toBe(2);
    expect(fresh.computedAt.getTime()).toBeGreaterThan(answers[0]!.computedAt.getTime());
  });

  it("computes again at once when what the read depends on changed", async () => {
    const shared = new SharedRead<string>({ ttlMs: 60_000 });
    expect((await shared.read("traffic", async () => "calm", "no chaos")).value).toBe("calm");
    expect((await shared.read("traffic", async () => "x", "no chaos")).value).toBe("calm");
    expect((await shared.read("traffic", async () => "degraded", "us-east-1 -20%")).value).toBe(
      "degraded",
    );
  });

  it("keeps no failed computation: the next reader computes again", async () => {
    const shared = new SharedRead<string>({ ttlMs: 60_000 });
    await expect(
      shared.read("k", async () => {
        throw new Error("database unavailable");
      }),
    ).rejects.toThrow("database unavailable");
    expect((await shared.read("k", async () => "ok")).value).toBe("ok");
  });

  it("keeps at most maxKeys keys, dropping the least recently computed", async () => {
    const shared = new SharedRead<string>({ ttlMs: 60_000, maxKeys: 2 });
    await shared.read("a", async () => "a1");
    await shared.read("b", async () => "b1");
    await shared.read("c", async () => "c1");
    expect((await shared.read("b", async () => "b2")).value).toBe("b1");
    expect((await shared.read("a", async () => "a2")).value).toBe("a2");
  });
});
