import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { linkFilter, ListFilters, selectFilter } from "@/components/common/list-filters";
import { hrefWith, omit } from "@/components/common/search-params";

const STATUS = selectFilter("status", "Status", "paused", ["paused", "aborted"], "Any status");
const PERIOD = linkFilter("period", "Period", "week", [
  { value: "week", label: "Weekly" },
  { value: "month", label: "Monthly" },
]);

function render(props: Partial<Parameters<typeof ListFilters>[0]>): string {
  return renderToStaticMarkup(
    createElement(ListFilters, {
      label: "Filter rollouts",
      basePath: "/rollouts",
      params: { region: "us-east-1", status: "paused", page: "3" },
      filters: [STATUS],
      ...props,
    }),
  );
}

/** Each `<tag …>text` in the markup, with its attributes (HTML entities left as they are). */
function elements(html: string, tag: string): { attrs: Record<string, string>; text: string }[] {
  return [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>([^<]*)`, "g"))].map((m) => ({
    attrs: Object.fromEntries(
      [...(m[1] ?? "").matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1] ?? "", a[2] ?? ""]),
    ),
    text: m[2] ?? "",
  }));
}

const hiddenInputs = (html: string) =>
  elements(html, "input")
    .filter((i) => i.attrs.type === "hidden")
    .map((i) => [i.attrs.name, i.attrs.value]);

describe("hrefWith and omit", () => {
  it("build a query without empty values, in the order given", () => {
    expect(hrefWith("/slos", { team: "ranking", status: undefined, group: "" })).toBe(
      "/slos?team=ranking",
    );
    expect(hrefWith("/slos", {})).toBe("/slos");
    expect(omit({ a: "1", page: "2", b: "3" }, ["page"])).toEqual({ a: "1", b: "3" });
  });
});

describe("ListFilters", () => {
  it("is a labelled GET form that keeps the rest of the URL but the page, and clears its own", () => {
    const html = render({});
    expect(elements(html, "form")[0]?.attrs).toMatchObject({
      method: "get",
      action: "/rollouts",
      "aria-label": "Filter rollouts",
    });
    expect(hiddenInputs(html)).toEqual([["region", "us-east-1"]]);
    expect(elements(html, "label")).toEqual([
      expect.objectContaining({
        attrs: expect.objectContaining({ for: "filter-status" }),
        text: "Status",
      }),
    ]);
    expect(elements(html, "select")[0]?.attrs).toMatchObject({
      id: "filter-status",
      name: "status",
    });
    expect(
      elements(html, "option").map((o) => [o.attrs.value, o.text, "selected" in o.attrs]),
    ).toEqual([
      ["", "Any status", false],
      ["paused", "paused", true],
      ["aborted", "aborted", false],
    ]);
    expect(elements(html, "button").map((b) => [b.attrs.type, b.text])).toEqual([
      ["submit", "Filter"],
    ]);
    expect(elements(html, "a").map((a) => [a.text, a.attrs.href])).toEqual([
      ["Clear", "/rollouts?region=us-east-1"],
    ]);
  });

  it("offers link choices that apply at once, marking the current one", () => {
    const html = render({
      basePath: "/incidents",
      params: { period: "week", team: "ranking", page: "2" },
      filters: [PERIOD, { ...STATUS, name: "team", value: "ranking" }],
      keepPage: true,
    });
    expect(elements(html, "span")).toContainEqual({
      attrs: expect.objectContaining({ id: "filter-period" }),
      text: "Period",
    });
    expect(elements(html, "div").map((d) => d.attrs)).toContainEqual(
      expect.objectContaining({ role: "group", "aria-labelledby": "filter-period" }),
    );
    expect(
      elements(html, "a").map((a) => [a.text, a.attrs.href, a.attrs["aria-current"] ?? null]),
    ).toEqual([
      ["Weekly", "/incidents?period=week&amp;team=ranking&amp;page=2", "true"],
      ["Monthly", "/incidents?period=month&amp;team=ranking&amp;page=2", null],
      ["Clear", "/incidents?page=2", null],
    ]);
    // the form keeps the link choice and (here) the page; the select submits itself
    expect(hiddenInputs(html)).toEqual([
      ["period", "week"],
      ["page", "2"],
    ]);
  });
});
