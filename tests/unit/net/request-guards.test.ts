import { describe, expect, it } from "vitest";
import { ACTION_BODY_LIMIT_BYTES, refuseRequest } from "@/lib/net/request-guards";

const post = (length: number, action = true) => ({
  method: "POST",
  url: "/slos",
  headers: { "content-length": String(length), ...(action ? { "next-action": "abc" } : {}) },
});

describe("refuseRequest", () => {
  it("refuses a path that is not valid percent-encoded UTF-8 with 400", () => {
    for (const url of ["/slos/%ED%A0%80", "/rollouts/%E0%A4%A", "/%"])
      expect(refuseRequest({ url, headers: {} })?.status, url).toBe(400);
  });

  it("answers the API in its own error shape, naming the parameter the route gives it", () => {
    expect(
      refuseRequest(
        { url: "/api/v1/promotions/%ED%A0%80", headers: {} },
        "/api/v1/promotions/[number]",
      ),
    ).toMatchObject({
      status: 422,
      json: { error: { code: "INVALID_INPUT", fields: { number: expect.any(String) } } },
    });
    expect(refuseRequest({ url: "/api/v1/%ED%A0%80", headers: {} })).toMatchObject({
      json: { error: { fields: { path: expect.any(String) } } },
    });
  });

  it("passes valid encodings, including a query that is not decoded here", () => {
    for (const url of ["/", "/slos/ranker-xl", "/models/%C3%BC", "/audit?actor=%ED%A0%80"])
      expect(refuseRequest({ url, headers: {} }), url).toBeNull();
  });

  it("refuses a server action body over the limit with 413, at the boundary", () => {
    expect(refuseRequest(post(ACTION_BODY_LIMIT_BYTES))).toBeNull();
    expect(refuseRequest(post(ACTION_BODY_LIMIT_BYTES + 1))).toMatchObject({
      status: 413,
      message: expect.stringMatching(/at most 3145728 \(3 MiB\)/),
    });
  });

  it("leaves other large bodies to their route, which has its own limit", () => {
    expect(refuseRequest(post(ACTION_BODY_LIMIT_BYTES * 2, false))).toBeNull();
  });
});
