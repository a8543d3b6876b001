import { describe, expect, it } from "vitest";
import {
  PALETTE_PAGES,
  SEARCH_KINDS,
  SEARCH_KIND_LABELS,
  actHref,
  editDistance,
  fuzzyScore,
  incidentActionLabel,
  matchPages,
  parseQuery,
  rolloutActionLabel,
} from "@/lib/domain/navigation/search";

describe("parseQuery", () => {
  it("reads an incident or promotion number, with or without #", () => {
    expect(parseQuery("42")).toMatchObject({ number: 42, version: "42", name: "" });
    expect(parseQuery(" #42 ")).toMatchObject({ number: 42, version: null, name: "42" });
    expect(parseQuery("#")).toMatchObject({ number: null, name: "" });
  });

  it("splits a version from the name words", () => {
    expect(parseQuery("ranker-xl 3.1.0")).toEqual({
      text: "ranker-xl 3.1.0",
      number: null,
      name: "ranker-xl",
      version: "3.1.0",
    });
    expect(parseQuery("v2.0 Ranker   XL")).toMatchObject({ name: "ranker xl", version: "2.0" });
    // only the first version-like word is the version
    expect(parseQuery("3.1 4.2")).toMatchObject({ version: "3.1", name: "4.2" });
  });

  it("keeps a name with digits whole", () => {
    expect(parseQuery("eks-use1-serve-01")).toMatchObject({
      name: "eks-use1-serve-01",
      version: null,
      number: null,
    });
  });

  it("keeps a training job's name whole, its run number included", () => {
    expect(parseQuery("ranker-xl-train-003")).toMatchObject({
      name: "ranker-xl-train-003",
      version: null,
      number: null,
    });
    expect(parseQuery("Ranker-XL-Train-0042").name).toBe("ranker-xl-train-0042");
  });

  it("is empty for an empty or blank query, and cut at the maximum length", () => {
    expect(parseQuery("   ")).toEqual({ text: "", number: null, name: "", version: null });
    expect(parseQuery("x".repeat(500)).text).toHaveLength(100);
  });

  it("does not read a number too long for an id as a number", () => {
    expect(parseQuery("12345678901").number).toBeNull();
  });
});

describe("editDistance", () => {
  it("counts insertions, deletions and substitutions", () => {
    expect(editDistance("ranker", "ranker")).toBe(0);
    expect(editDistance("rankr", "ranker")).toBe(1);
    expect(editDistance("rnaker", "ranker")).toBe(2);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("stops early beyond the maximum", () => {
    expect(editDistance("abcdef", "uvwxyz", 1)).toBe(2);
    expect(editDistance("a", "abcdef", 2)).toBe(3);
  });
});

describe("fuzzyScore", () => {
  it("ranks exact over prefix over substring over words over typos", () => {
    const exact = fuzzyScore("incidents", "Incidents");
    const prefix = fuzzyScore("inci", "Incidents");
    const inside = fuzzyScore("review", "SLO review");
    const word = fuzzyScore("audit", "The audit log");
    const typo = fuzzyScore("incidnets", "Incidents");
    expect(exact).toBe(1);
    expect(prefix).toBeLessThan(exact);
    expect(inside).toBeLessThan(prefix);
    expect(fuzzyScore("log audit", "Audit log")).toBeGreaterThan(0);
    expect(word).toBeGreaterThan(0);
    expect(typo).toBeGreaterThan(0);
    expect(typo).toBeLessThan(inside);
  });

  it("forgives no typo in short words, one in medium, two in long", () => {
    expect(fuzzyScore("slp", "SLOs")).toBe(0);
    expect(fuzzyScore("modls", "Models")).toBeGreaterThan(0);
    expect(fuzzyScore("clustrs", "Clusters")).toBeGreaterThan(0);
    expect(fuzzyScore("clstres", "Clusters")).toBe(0); // two typos in seven letters
    expect(fuzzyScore("incidnets", "Incidents")).toBeGreaterThan(0); // two in nine
    expect(fuzzyScore("xyzxyzxy", "Clusters")).toBe(0);
  });

  it("needs every query word to match", () => {
    expect(fuzzyScore("audit banana", "Audit log")).toBe(0);
    expect(fuzzyScore("", "Audit log")).toBe(0);
  });
});

describe("result kinds", () => {
  it("label every kind, training jobs included, in the palette's order", () => {
    expect(SEARCH_KINDS).toContain("training");
    expect(Object.keys(SEARCH_KIND_LABELS)).toEqual([...SEARCH_KINDS]);
    expect(SEARCH_KIND_LABELS.training).toBe("Training jobs");
  });
});

describe("matchPages", () => {
  it("finds pages by label and keyword, best first, with a typo", () => {
    expect(matchPages("incid", PALETTE_PAGES)[0]?.href).toBe("/incidents");
    expect(matchPages("time zone", PALETTE_PAGES)[0]?.href).toBe("/settings");
    expect(matchPages("rolouts", PALETTE_PAGES)[0]?.href).toBe("/rollouts");
    expect(matchPages("quarter", PALETTE_PAGES).map((p) => p.href)).toContain("/slos/review");
    expect(matchPages("zzzz", PALETTE_PAGES)).toEqual([]);
  });

  it("returns at most the limit", () => {
    expect(matchPages("a", PALETTE_PAGES, 3).length).toBeLessThanOrEqual(3);
  });
});

describe("action labels and links", () => {
  it("name the action, the object and where it runs", () => {
    expect(
      rolloutActionLabel("abort", {
        model: "ranker-xl",
        version: "3.1.0",
        environment: "production/us-east-1",
      }),
    ).toBe("Abort rollout of ranker-xl 3.1.0 in production/us-east-1");
    expect(incidentActionLabel("acknowledge", 42)).toBe("Acknowledge incident #42");
    expect(incidentActionLabel("mitigate", 7)).toBe("Mark incident #7 mitigated");
    expect(incidentActionLabel("investigate", 7)).toBe("Mark incident #7 investigating");
  });

  it("link to the page with the action's confirmation requested", () => {
    expect(actHref("/rollouts/abc", "abort")).toBe("/rollouts/abc?act=abort");
    expect(actHref("/incidents/4", "acknowledge", "#x")).toBe("/incidents/4?act=acknowledge#x");
  });
});
