import { describe, expect, it } from "vitest";
import { apiPageSchema, firstValues, listQuerySchema } from "@/lib/schemas/list-query";
import { deliveryQuerySchema } from "@/lib/schemas/notifications";

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

describe("page numbers a list cannot reach", () => {
  // 1e+308 is a whole number to JavaScript; as an offset it failed the query (a 500).
  it("opens the delivery log at page 1 for a page past any log", () => {
    expect(deliveryQuerySchema.parse({ page: "1e+308" }).page).toBe(1);
    expect(deliveryQuerySchema.parse({ page: "100001" }).page).toBe(1);
    expect(deliveryQuerySchema.parse({ page: "7" }).page).toBe(7);
  });

  it("opens a list page at page 1 for one", () => {
    expect(listQuerySchema.parse({ page: "1e+308" }).page).toBe(1);
  });

  it("refuses one in the API, naming the page", () => {
    for (const page of ["1e+308", "1.5", "0", "100001", "x"])
      expect(apiPageSchema.safeParse(page).success, page).toBe(false);
    expect(apiPageSchema.parse(undefined)).toBe(1);
  });
});
