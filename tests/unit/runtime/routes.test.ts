import { describe, expect, it } from "vitest";
import { routeMatcher } from "../../../scripts/lib/routes";

// Route patterns as the build's app-path-routes-manifest lists them.
const routeOf = routeMatcher([
  "/",
  "/rollouts",
  "/rollouts/new",
  "/rollouts/[id]",
  "/slos/[name]",
  "/slos/[name]/edit",
  "/slos/review",
  "/api/v1/rollouts/[id]/abort",
  "/api/auth/[...nextauth]",
  "/api/health",
  "/api/health/live",
  "/_not-found",
]);

describe("HTTP metrics' route label", () => {
  it("is the route pattern, never the raw path", () => {
    expect(routeOf("/")).toBe("/");
    expect(routeOf("/rollouts")).toBe("/rollouts");
    expect(routeOf("/rollouts/cm4x9a0000abc")).toBe("/rollouts/[id]");
    expect(routeOf("/api/v1/rollouts/cm4x9/abort")).toBe("/api/v1/rollouts/[id]/abort");
    expect(routeOf("/api/auth/callback/oidc")).toBe("/api/auth/[...nextauth]");
  });

  it("prefers static segments over dynamic ones", () => {
    expect(routeOf("/rollouts/new")).toBe("/rollouts/new");
    expect(routeOf("/slos/review")).toBe("/slos/review");
    expect(routeOf("/slos/ranker-latency/edit")).toBe("/slos/[name]/edit");
  });

  it("groups assets and unknown paths into bounded labels", () => {
    expect(routeOf("/_next/static/chunks/abc.js")).toBe("/_next/static");
    expect(routeOf("/_next/image")).toBe("/_next");
    expect(routeOf("/wp-admin/setup.php")).toBe("other");
    expect(routeOf("/rollouts/a/b/c")).toBe("other");
    expect(routeOf("/api/auth")).toBe("other");
  });
});
