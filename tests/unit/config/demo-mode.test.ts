import { describe, expect, it } from "vitest";
import { DemoFlagError, parseDemoFlag, resolveDemoMode } from "@/lib/config/demo-mode";

describe("parseDemoFlag", () => {
  it.each(["1", "true", "yes", "TRUE", " Yes "])("reads %j as on", (v) => {
    expect(parseDemoFlag(v)).toBe(true);
  });
  it.each(["0", "false", "no", "NO"])("reads %j as off", (v) => {
    expect(parseDemoFlag(v)).toBe(false);
  });
  it.each([undefined, "", "  "])("reads %j as not given", (v) => {
    expect(parseDemoFlag(v)).toBeUndefined();
  });
  it.each(["on", "off", "2", "y", "enabled"])("refuses %j with a clear message", (v) => {
    expect(() => parseDemoFlag(v)).toThrow(DemoFlagError);
    expect(() => parseDemoFlag(v)).toThrow(/1, true, yes .* 0, false, no/);
  });
});

describe("resolveDemoMode", () => {
  const local = { embeddedDatabase: true, oidcConfigured: false, production: false };

  it("is on by default only for the local demo on the embedded database", () => {
    expect(resolveDemoMode({ flag: undefined, ...local })).toMatchObject({
      enabled: true,
      banner: false,
    });
  });

  it.each([
    ["DATABASE_URL is set", { embeddedDatabase: false }],
    ["single sign-on is configured", { oidcConfigured: true }],
    ["NODE_ENV=production", { production: true }],
  ])("is off by default when %s, and says why", (why, change) => {
    const mode = resolveDemoMode({ flag: undefined, ...local, ...change });
    expect(mode).toMatchObject({ enabled: false, banner: false });
    expect(mode.explanation).toContain(why);
  });

  it("turns on anywhere with FLIGHTDECK_DEMO=1, with a banner outside the local demo", () => {
    expect(resolveDemoMode({ flag: true, ...local })).toMatchObject({
      enabled: true,
      banner: false,
    });
    for (const change of [
      { embeddedDatabase: false },
      { oidcConfigured: true },
      { production: true },
    ]) {
      expect(resolveDemoMode({ flag: true, ...local, ...change })).toMatchObject({
        enabled: true,
        banner: true,
      });
    }
  });

  it("is off by default on real clusters, whose fleet the simulated demo would hide", () => {
    const real = resolveDemoMode({ flag: undefined, ...local, realClusters: true });
    expect(real).toMatchObject({ enabled: false, banner: false });
    expect(real.explanation).toMatch(/FLIGHTDECK_PLATFORM=kubernetes reads real clusters/);
    expect(resolveDemoMode({ flag: true, ...local, realClusters: true })).toMatchObject({
      enabled: true,
      banner: true,
    });
  });

  it("is off whenever FLIGHTDECK_DEMO=0", () => {
    expect(resolveDemoMode({ flag: false, ...local })).toMatchObject({ enabled: false });
  });
});
