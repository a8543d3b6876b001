import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { STATIC_SIBLINGS, pageObjectOf } from "@/lib/domain/navigation/page-objects";

const DASHBOARD = path.resolve(import.meta.dirname, "../../../../src/app/(dashboard)");

/** Every page under app/(dashboard), as its URL path with params written [like-this]. */
function pages(dir = DASHBOARD, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isFile()) return e.name === "page.tsx" ? [prefix || "/"] : [];
    if (!e.isDirectory()) return [];
    const segment = e.name.startsWith("(") ? "" : `/${e.name}`;
    return pages(path.join(dir, e.name), `${prefix}${segment}`);
  });
}

const sample = (route: string) =>
  route.replace(/\[([^\]]+)\]/g, (_, name: string) => `some-${name}`);

describe("pageObjectOf", () => {
  it("reads the object of every page with one, and of no other page", () => {
    const all = pages();
    expect(all.length).toBeGreaterThan(20);
    for (const route of all) {
      const dynamic = route.includes("[");
      expect(pageObjectOf(sample(route)) !== null, route).toBe(dynamic);
    }
  });

  it("knows every static page beside a dynamic segment", () => {
    const sections = readdirSync(DASHBOARD, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith("("))
      .map((e) => e.name);
    const withDynamic = Object.fromEntries(
      sections.flatMap((section) => {
        const children = readdirSync(path.join(DASHBOARD, section), { withFileTypes: true }).filter(
          (e) => e.isDirectory(),
        );
        if (!children.some((e) => e.name.startsWith("["))) return [];
        const statics = children
          .filter((e) => !e.name.startsWith("["))
          .map((e) => e.name)
          .sort();
        return [[section, statics]];
      }),
    );
    expect(withDynamic).toEqual(STATIC_SIBLINGS);
  });

  it("reads each kind's key, decoded", () => {
    expect(pageObjectOf("/clusters/gke-euw1-serve-01")).toEqual({
      kind: "cluster",
      name: "gke-euw1-serve-01",
    });
    expect(pageObjectOf("/incidents/42/postmortem")).toEqual({ kind: "incident", number: "42" });
    expect(pageObjectOf("/models/ranker-xl/compare")).toEqual({ kind: "model", name: "ranker-xl" });
    expect(pageObjectOf("/models/ranker-xl/versions/1.2.0%2Bbuild")).toEqual({
      kind: "model_version",
      model: "ranker-xl",
      version: "1.2.0+build",
    });
    expect(pageObjectOf("/promotions/7")).toEqual({ kind: "promotion", number: "7" });
    expect(pageObjectOf("/rollouts/cabc123")).toEqual({ kind: "rollout", id: "cabc123" });
    expect(pageObjectOf("/slos/ranker-xl-availability/edit")).toEqual({
      kind: "slo",
      name: "ranker-xl-availability",
    });
    expect(pageObjectOf("/training/ranker-xl-train-001")).toEqual({
      kind: "training_job",
      name: "ranker-xl-train-001",
    });
    expect(pageObjectOf("/training/ranker-xl-train-001/more")).toBeNull();
  });

  it("leaves lists, static pages, unknown paths and malformed escapes alone", () => {
    for (const p of [
      "/",
      "/clusters",
      "/incidents/new",
      "/promotions/policy",
      "/slos/review",
      "/clusters/x/nodes",
      "/models/x/versions",
      "/api/v1/me",
      "/clusters/%E0%A4%A",
      // names of Object.prototype's members are no section (this threw on every such path)
      "/constructor/x",
      "/__proto__/x",
      "/toString/x",
    ]) {
      expect(pageObjectOf(p), p).toBeNull();
    }
  });
});
