import { describe, expect, it } from "vitest";
import { pageProblem } from "../../reliability/load/load";

describe("pageProblem", () => {
  it("passes a good page", () => {
    expect(pageProblem(200, "<main><h1>Rollouts</h1></main>")).toBeNull();
  });

  it("reports a status other than 200", () => {
    expect(pageProblem(500, "")).toBe("500");
    expect(pageProblem(503, "<html></html>")).toBe("503");
  });

  it("reports a section that failed behind a 200 (an error digest in the HTML)", () => {
    expect(pageProblem(200, '<template data-dgst="2938471923"></template>')).toBe("error page");
  });

  it("passes redirects, not-found fallbacks and charts left to the browser", () => {
    expect(
      pageProblem(200, '<template data-dgst="NEXT_REDIRECT;replace;/x;307;"></template>'),
    ).toBeNull();
    expect(
      pageProblem(200, '<template data-dgst="NEXT_HTTP_ERROR_FALLBACK;404"></template>'),
    ).toBeNull();
    // next/dynamic with ssr: false, in production (empty) and in development
    expect(
      pageProblem(200, '<!--$!--><template data-dgst=""></template><div role="status">'),
    ).toBeNull();
    expect(
      pageProblem(200, '<template data-dgst="BAILOUT_TO_CLIENT_SIDE_RENDERING"></template>'),
    ).toBeNull();
  });
});
