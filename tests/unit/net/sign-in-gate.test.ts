import { describe, expect, it } from "vitest";
import { isSignInRequest, SignInGate } from "@/lib/net/sign-in-gate";

describe("isSignInRequest", () => {
  it.each([
    ["POST", "/sign-in", true],
    ["POST", "/sign-in?callbackUrl=%2Frollouts", true],
    ["POST", "/api/auth/callback/credentials", true],
    ["GET", "/sign-in", false],
    ["POST", "/api/auth/signout", false],
    ["POST", "/api/auth/callback/oidc", false],
    ["POST", "/sign-in-help", false],
    ["POST", undefined, false],
  ])("%s %s → %s", (method, url, expected) => {
    expect(isSignInRequest(method, url)).toBe(expected);
  });
});

describe("SignInGate", () => {
  it("admits a few in flight per address and refuses the rest at once", () => {
    const gate = new SignInGate({ perAddress: 2, total: 10 });
    const a = gate.admit("10.0.0.1");
    const b = gate.admit("10.0.0.1");
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(gate.admit("10.0.0.1")).toBeNull();
    // Another address is not affected.
    expect(gate.admit("10.0.0.2")).not.toBeNull();
    // An answered request frees its place, once however often it is ended.
    a?.();
    a?.();
    expect(gate.admit("10.0.0.1")).not.toBeNull();
    expect(gate.admit("10.0.0.1")).toBeNull();
  });

  it("caps the process's sign-ins in flight whatever the addresses", () => {
    const gate = new SignInGate({ perAddress: 5, total: 3 });
    const admitted = ["a", "b", "c", "d"].map((ip) => gate.admit(ip));
    expect(admitted.map((x) => x !== null)).toEqual([true, true, true, false]);
  });

  it("reports what it refused once, with the address that sent most", () => {
    const gate = new SignInGate({ perAddress: 1, total: 10 });
    gate.admit("10.0.0.1");
    gate.admit(null);
    for (let i = 0; i < 3; i++) gate.admit("10.0.0.1");
    gate.admit(null);
    expect(gate.takeShed()).toEqual({
      refused: 4,
      topAddress: "10.0.0.1",
      topCount: 3,
      addresses: 2,
    });
    expect(gate.takeShed()).toBeNull();
  });
});
