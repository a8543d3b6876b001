import { describe, expect, it } from "vitest";
import { listQuerySchema, regionCodeSchema } from "@/lib/schemas/list-query";
import { startChaosSchema } from "@/lib/schemas/chaos";
import { declareIncidentSchema } from "@/lib/schemas/incidents";
import { createPromotionSchema } from "@/lib/schemas/promotions";

/** Every cloud's way of naming regions. */
const CLOUD_REGIONS = [
  "us-east-1", // AWS
  "ap-southeast-1",
  "us-gov-west-1",
  "europe-west4", // Google Cloud
  "us-central1",
  "northamerica-northeast1",
  "eastus", // Azure
  "westeurope",
  "southcentralus",
  "eastus2",
  "us-ashburn-1", // Oracle Cloud
  "fr-par", // Scaleway
];
const NOT_REGIONS = [
  "",
  "u",
  "US-EAST-1",
  "us_east_1",
  "-us",
  "us-",
  "us--east",
  "1us",
  "us east",
  "'; drop table",
  "a".repeat(65),
];

describe("region codes", () => {
  const region = regionCodeSchema("Unknown region.");

  it("accept every cloud's naming", () => {
    for (const code of CLOUD_REGIONS) expect(region.safeParse(code).success, code).toBe(true);
  });

  it("refuse anything else, with the message given", () => {
    for (const code of NOT_REGIONS) {
      const r = region.safeParse(code);
      expect(r.success, code).toBe(false);
      expect(r.error?.issues[0]?.message).toBe("Unknown region.");
    }
  });

  it("are the same everywhere a region is given", () => {
    for (const code of CLOUD_REGIONS) {
      expect(listQuerySchema.parse({ region: code }).region).toBe(code);
      expect(
        startChaosSchema.safeParse({
          kind: "latency_injection",
          region: code,
          percent: 10,
          durationMinutes: 5,
          reason: "drill",
        }).success,
        `chaos ${code}`,
      ).toBe(true);
      expect(
        declareIncidentSchema.parse({
          title: "Latency up in one region",
          severity: "SEV3",
          affectedRegions: [code],
        }).affectedRegions,
      ).toEqual([code]);
      expect(
        createPromotionSchema.parse({
          model: "ranker-xl",
          version: "1.0.0",
          tier: "production",
          regions: [code],
          justification: "A new region to serve from.",
        }).regions,
      ).toEqual([code]);
    }
    expect(listQuerySchema.parse({ region: "US-EAST-1" }).region).toBeUndefined();
    expect(
      declareIncidentSchema.safeParse({
        title: "Latency up in one region",
        severity: "SEV3",
        affectedRegions: ["us_east_1"],
      }).success,
    ).toBe(false);
  });
});
