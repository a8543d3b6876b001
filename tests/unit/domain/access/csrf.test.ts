import { describe, expect, it } from "vitest";
import { originRefusal, parseAllowedOrigins } from "@/lib/domain/access/csrf";

const req = (
  method: string,
  headers: Record<string, string>,
  url = "http://app.local:3000/api/v1/x",
) => ({
  method,
  url,
  headers: new Headers(headers),
});

describe("originRefusal", () => {
  it("lets safe methods through", () => {
    expect(originRefusal(req("GET", {}))).toBeNull();
    expect(originRefusal(req("HEAD", { origin: "https://evil.example" }))).toBeNull();
  });

  it("accepts a same-origin browser request", () => {
    expect(originRefusal(req("POST", { origin: "http://app.local:3000" }))).toBeNull();
  });

  it("accepts the public origin behind a proxy", () => {
    const r = req(
      "POST",
      {
        origin: "https://flightdeck.example.com",
        "x-forwarded-host": "flightdeck.example.com",
        "x-forwarded-proto": "https",
      },
      "http://10.0.0.5:3000/api/v1/x",
    );
    expect(originRefusal(r)).toBeNull();
  });

  it("refuses a foreign origin, even with a bearer token", () => {
    expect(originRefusal(req("POST", { origin: "https://evil.example" }))).toMatch(/evil\.example/);
    expect(
      originRefusal(
        req("DELETE", { origin: "https://evil.example", authorization: "Bearer fdk_x" }),
      ),
    ).not.toBeNull();
  });

  it("refuses no origin without a bearer token, accepts it with one", () => {
    expect(originRefusal(req("POST", {}))).toMatch(/Origin header or a bearer token/);
    expect(originRefusal(req("POST", { authorization: "Bearer fdk_abc" }))).toBeNull();
    expect(originRefusal(req("POST", { authorization: "Basic abc" }))).not.toBeNull();
  });

  it("accepts configured extra origins", () => {
    const allowed = parseAllowedOrigins(" https://ops.example.com ,, https://b.example ");
    expect(allowed).toEqual(["https://ops.example.com", "https://b.example"]);
    expect(originRefusal(req("PUT", { origin: "https://ops.example.com" }), allowed)).toBeNull();
  });
});
