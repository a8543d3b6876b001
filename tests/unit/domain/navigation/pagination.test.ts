import { describe, expect, it } from "vitest";
import { countLimit, pageWindow, toPage } from "@/lib/domain/navigation/pagination";

describe("pageWindow", () => {
  it("maps a page to skip/take", () => {
    expect(pageWindow(3, 20, 100)).toEqual({ page: 3, pageCount: 5, skip: 40, take: 20 });
  });

  it("clamps pages past the end to the last page", () => {
    expect(pageWindow(99, 20, 41)).toMatchObject({ page: 3, pageCount: 3, skip: 40 });
  });

  it("gives one empty page when there are no rows", () => {
    expect(pageWindow(5, 20, 0)).toEqual({ page: 1, pageCount: 1, skip: 0, take: 20 });
  });

  it.each([0, -3, Number.NaN, 1.7])("treats page %s as a valid page", (p) => {
    const w = pageWindow(p, 10, 50);
    expect(w.page).toBeGreaterThanOrEqual(1);
    expect(w.page).toBeLessThanOrEqual(5);
    expect(Number.isInteger(w.page)).toBe(true);
  });

  it("has an exact last page boundary", () => {
    expect(pageWindow(2, 20, 40)).toMatchObject({ page: 2, pageCount: 2, skip: 20 });
    expect(pageWindow(3, 20, 40)).toMatchObject({ page: 2 });
  });
});

describe("toPage", () => {
  it("reports the page count", () => {
    expect(toPage([1, 2], 41, 3, 20)).toEqual({
      rows: [1, 2],
      total: 41,
      page: 3,
      pageSize: 20,
      pageCount: 3,
    });
  });
});

describe("countLimit", () => {
  it("counts one past the limit, or one past the page asked for when that is further", () => {
    expect(countLimit(1, 20, 10_000)).toBe(10_001);
    expect(countLimit(500, 20, 10_000)).toBe(10_001);
    expect(countLimit(501, 20, 10_000)).toBe(10_021);
  });

  it("reads a nonsense page as the first", () => {
    expect(countLimit(0, 20, 100)).toBe(101);
    expect(countLimit(-3, 20, 100)).toBe(101);
    expect(countLimit(Number.NaN, 20, 100)).toBe(101);
    expect(countLimit(7.9, 20, 100)).toBe(141);
  });
});
