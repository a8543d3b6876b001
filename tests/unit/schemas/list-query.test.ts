import { describe, expect, it } from "vitest";
import { firstValues, listQuerySchema } from "@/lib/schemas/list-query";

describe("listQuerySchema", () => {
  it("reads page, region and environment from the URL", () => {
    expect(listQuerySchema.parse({ page: "3", region: "eu-west-1", env: "production" })).toEqual({
      page: 3,
      region: "eu-west-1",
      env: "production",
    });
  });

  it("defaults to page 1 without filters", () => {
    expect(listQuerySchema.parse({})).toEqual({ page: 1 });
  });

  it("ignores malformed values instead of failing the page", () => {
    expect(listQuerySchema.parse({ page: "-2", region: "'; drop table", env: "prod" })).toEqual({
      page: 1,
    });
    expect(listQuerySchema.parse({ page: "abc" }).page).toBe(1);
  });

  it("takes the first of repeated parameters", () => {
    expect(firstValues({ region: ["us-east-1", "eu-west-1"], env: undefined })).toEqual({
      region: "us-east-1",
      env: undefined,
    });
  });
});
