import { describe, expect, it } from "vitest";
import { envNumber, envText } from "../../../src/lib/config/env";

const range = { min: 50, max: 60_000 };

describe("numeric settings", () => {
  it("take the default when unset or blank (a ConfigMap key left empty)", () => {
    expect(envNumber("TICK", 1_000, range, {})).toBe(1_000);
    expect(envNumber("TICK", 1_000, range, { TICK: "" })).toBe(1_000);
    expect(envNumber("TICK", 1_000, range, { TICK: "  " })).toBe(1_000);
  });

  it("read a number in range, bounds included", () => {
    expect(envNumber("TICK", 1_000, range, { TICK: "250" })).toBe(250);
    expect(envNumber("TICK", 1_000, range, { TICK: "50" })).toBe(50);
    expect(envNumber("TICK", 1_000, range, { TICK: " 60000 " })).toBe(60_000);
  });

  it("refuse anything else with the setting's name", () => {
    expect(() => envNumber("TICK", 1_000, range, { TICK: "0" })).toThrow(
      "TICK must be from 50 to 60000, got 0.",
    );
    expect(() => envNumber("TICK", 1_000, range, { TICK: "60001" })).toThrow(/from 50 to 60000/);
    expect(() => envNumber("TICK", 1_000, range, { TICK: "fast" })).toThrow(
      'TICK must be a whole number, got "fast".',
    );
    expect(() => envNumber("TICK", 1_000, range, { TICK: "1.5" })).toThrow(/whole number/);
    expect(envNumber("RATIO", 1, { min: 0, max: 2, integer: false }, { RATIO: "1.5" })).toBe(1.5);
  });
});

describe("text settings", () => {
  it("are undefined when unset or blank", () => {
    expect(envText("WINDOW", {})).toBeUndefined();
    expect(envText("WINDOW", { WINDOW: " " })).toBeUndefined();
    expect(envText("WINDOW", { WINDOW: " 2m " })).toBe("2m");
  });
});
