import { describe, expect, it } from "vitest";
import { fleetFilterQuery } from "@/lib/domain/navigation/fleet-filter";

describe("fleetFilterQuery", () => {
  it("keeps the region and the environment, nothing else", () => {
    expect(
      fleetFilterQuery(new URLSearchParams("region=us-east-1&env=production&page=3&q=x")),
    ).toBe("?region=us-east-1&env=production");
    expect(fleetFilterQuery(new URLSearchParams("env=staging"))).toBe("?env=staging");
  });

  it("is empty without a filter, or with empty values", () => {
    expect(fleetFilterQuery(new URLSearchParams(""))).toBe("");
    expect(fleetFilterQuery(new URLSearchParams("region=&env="))).toBe("");
  });

  it("encodes what it keeps", () => {
    expect(fleetFilterQuery(new URLSearchParams({ env: "production/us-east-1" }))).toBe(
      "?env=production%2Fus-east-1",
    );
  });
});
