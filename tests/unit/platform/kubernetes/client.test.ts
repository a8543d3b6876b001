import { describe, expect, it } from "vitest";
import {
  describeKubeError,
  KubeApiError,
  KubeUnreachableError,
} from "@/lib/platform/kubernetes/client";
import { retryDelay } from "@/lib/platform/kubernetes/reflector";

const timing = { backoffMs: 1_000, maxBackoffMs: 60_000 };

describe("waiting before the next attempt", () => {
  it("honours Retry-After when the server sent one", () => {
    expect(
      retryDelay(new KubeApiError(429, "TooManyRequests", "slow down", 7_000), 3, timing, 0.5),
    ).toBe(7_000);
    expect(
      retryDelay(new KubeApiError(429, "TooManyRequests", "slow down", 0), 1, timing, 0.9),
    ).toBe(0);
  });

  it("backs off exponentially, with jitter, up to the maximum", () => {
    const refused = new KubeUnreachableError("refused", "ECONNREFUSED");
    expect(retryDelay(refused, 1, timing, 0.5)).toBe(1_000);
    expect(retryDelay(refused, 2, timing, 0.5)).toBe(2_000);
    expect(retryDelay(refused, 4, timing, 0.5)).toBe(8_000);
    expect(retryDelay(refused, 50, timing, 0.5)).toBe(60_000);
    expect(retryDelay(refused, 1, timing, 0)).toBe(800);
    expect(retryDelay(refused, 1, timing, 1)).toBeCloseTo(1_200);
    // A 500 without Retry-After backs off like a refused connection.
    expect(retryDelay(new KubeApiError(500, "InternalError", "boom"), 3, timing, 0.5)).toBe(4_000);
  });
});

describe("saying why a cluster does not answer", () => {
  it("in words an on-call engineer can act on", () => {
    expect(describeKubeError(new KubeApiError(401, "Unauthorized", "Unauthorized"))).toMatch(
      /^401 Unauthorized: the cluster refused Flightdeck's credentials/,
    );
    expect(
      describeKubeError(
        new KubeApiError(
          403,
          "Forbidden",
          'nodes is forbidden: User "x" cannot list resource "nodes"',
        ),
      ),
    ).toBe('403 Forbidden: nodes is forbidden: User "x" cannot list resource "nodes"');
    expect(describeKubeError(new KubeApiError(429, "TooManyRequests", "x", 1_000))).toMatch(/^429/);
    expect(describeKubeError(new KubeApiError(500, "InternalError", "etcd timed out"))).toBe(
      "500 InternalError: etcd timed out",
    );
    expect(
      describeKubeError(new KubeUnreachableError("https://k: connection refused", "ECONNREFUSED")),
    ).toBe("https://k: connection refused");
  });
});
