import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { CircleCheck, Gauge, GitPullRequestArrow, Search } from "lucide-react";
import { __iconData as circleCheck } from "lucide-react/icons/circle-check";
import { __iconData as gauge } from "lucide-react/icons/gauge";
import { __iconData as gitPullRequestArrow } from "lucide-react/icons/git-pull-request-arrow";
import { __iconData as search } from "lucide-react/icons/search";
import { drawing, SvgIcon } from "@/components/common/svg-icon";

const html = (element: Parameters<typeof renderToStaticMarkup>[0]) => renderToStaticMarkup(element);

describe("server-drawn icons", () => {
  it.each([
    ["gauge", gauge, Gauge],
    ["git-pull-request-arrow", gitPullRequestArrow, GitPullRequestArrow],
    ["circle-check", circleCheck, CircleCheck],
    ["search", search, Search],
  ] as const)("draw %s exactly as lucide-react's component does", (_name, module, Component) => {
    const props = { className: "size-4", "aria-hidden": "true" as const };
    expect(html(createElement(SvgIcon, { icon: drawing(module), ...props }))).toBe(
      html(createElement(Component, props)),
    );
  });

  it("take the class names they are given after lucide's own, and its aliases'", () => {
    expect(
      html(createElement(SvgIcon, { icon: drawing(gauge), className: "size-5 mr-1" })),
    ).toContain('class="lucide lucide-gauge size-5 mr-1"');
    expect(html(createElement(SvgIcon, { icon: drawing(circleCheck) }))).toContain(
      'class="lucide lucide-circle-check lucide-check-circle-2"',
    );
  });

  it("are hidden from screen readers unless said otherwise, as lucide's unlabelled icons are", () => {
    expect(html(createElement(SvgIcon, { icon: drawing(gauge) }))).toContain('aria-hidden="true"');
    expect(html(createElement(Gauge))).toContain('aria-hidden="true"');
    expect(
      html(createElement(SvgIcon, { icon: drawing(gauge), "aria-hidden": "false" })),
    ).toContain('aria-hidden="false"');
  });

  it("refuse a module without a drawing, rather than draw nothing", () => {
    expect(() => drawing(undefined)).toThrow(/no drawing/);
    expect(() => drawing({ name: "x", node: "M0 0" })).toThrow(/no drawing/);
    expect(() => drawing({ name: "x", node: [], aliases: [1] })).toThrow(/no drawing/);
  });
});

describe("the section error boundary", () => {
  it("alerts with its message and a hidden triangle drawn as lucide draws it", async () => {
    const { default: SectionError } = await import("@/app/(dashboard)/error");
    const markup = html(
      createElement(SectionError, {
        error: Object.assign(new Error("boom"), { digest: "abc123" }),
        reset: () => undefined,
      }),
    );
    expect(markup).toContain('role="alert"');
    expect(markup).toContain("This page could not load");
    expect(markup).toContain("Reference: abc123.");
    expect(markup).toMatch(
      /<svg [^>]*class="lucide lucide-triangle-alert mx-auto mb-2 size-8 text-amber-600" aria-hidden="true">/,
    );
    expect(markup).toContain('<path d="M12 17h.01"></path>');
  });
});
