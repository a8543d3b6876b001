import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { GO_TO, incidentOnPage, keyName, resolveShortcut } from "@/lib/domain/navigation/shortcuts";
import { SHORTCUTS } from "@/lib/domain/navigation/shortcut-list";

const key = (
  k: string,
  mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {},
) => keyName({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

describe("keyName", () => {
  it("reads Ctrl-K and ⌘-K alike, single letters, ? and /", () => {
    expect(key("k", { ctrlKey: true })).toBe("Ctrl K");
    expect(key("K", { metaKey: true })).toBe("Ctrl K");
    expect(key("g")).toBe("g");
    expect(key("?")).toBe("?");
    expect(key("/")).toBe("/");
  });

  it("ignores other chords and keys", () => {
    expect(key("k", { ctrlKey: true, altKey: true })).toBeNull();
    expect(key("r", { ctrlKey: true })).toBeNull(); // reload stays the browser's
    expect(key("Enter")).toBeNull();
    expect(key("G")).toBeNull(); // shift+g
    expect(key("1")).toBeNull();
  });
});

describe("resolveShortcut", () => {
  it("opens the palette and the help anywhere", () => {
    expect(resolveShortcut("Ctrl K", null, false)).toEqual({ kind: "palette" });
    expect(resolveShortcut("/", null, false)).toEqual({ kind: "palette" });
    expect(resolveShortcut("?", null, false)).toEqual({ kind: "help" });
  });

  it("waits after g, then goes to the section", () => {
    expect(resolveShortcut("g", null, false)).toBe("wait");
    expect(resolveShortcut("i", "g", false)).toEqual({ kind: "go", href: "/incidents" });
    expect(resolveShortcut("o", "g", false)).toEqual({ kind: "go", href: "/" });
    expect(resolveShortcut("r", "g", false)).toEqual({ kind: "go", href: "/rollouts" });
    expect(resolveShortcut("z", "g", false)).toBeNull();
  });

  it("moves between rows and opens one", () => {
    expect(resolveShortcut("j", null, false)).toEqual({ kind: "row", move: 1 });
    expect(resolveShortcut("k", null, false)).toEqual({ kind: "row", move: -1 });
    expect(resolveShortcut("o", null, false)).toEqual({ kind: "open-row" });
  });

  it("acts on an incident only on its page", () => {
    expect(resolveShortcut("a", null, true)).toEqual({ kind: "incident-act", act: "acknowledge" });
    expect(resolveShortcut("w", null, true)).toEqual({ kind: "what-changed" });
    expect(resolveShortcut("a", null, false)).toBeNull();
    expect(resolveShortcut("w", null, false)).toBeNull();
  });

  it("does nothing for unknown keys", () => {
    expect(resolveShortcut("x", null, true)).toBeNull();
  });
});

describe("the shortcut table", () => {
  it("has no key twice, and documents every go-to", () => {
    const keys = SHORTCUTS.map((s) => s.keys);
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of Object.keys(GO_TO)) expect(keys).toContain(`g ${k}`);
  });

  it("is the README's table, row for row", () => {
    const readme = readFileSync("README.md", "utf8");
    const table = readme.slice(readme.indexOf("**Keyboard shortcuts.**")).split("\n\n")[1] ?? "";
    const rows = [...table.matchAll(/^\| `([^`]+)` +\|/gm)].map((m) => m[1]);
    expect(rows).toEqual(SHORTCUTS.map((s) => s.keys));
  });

  it("resolves every documented single key to its own command", () => {
    for (const s of SHORTCUTS.filter((x) => !x.keys.includes(" "))) {
      expect(resolveShortcut(s.keys, null, true)).toEqual(s.command);
    }
  });
});

describe("incidentOnPage", () => {
  it("reads the incident's page, not its postmortem or the list", () => {
    expect(incidentOnPage("/incidents/42")).toBe(42);
    expect(incidentOnPage("/incidents/42/")).toBe(42);
    expect(incidentOnPage("/incidents/42/postmortem")).toBeNull();
    expect(incidentOnPage("/incidents")).toBeNull();
    expect(incidentOnPage("/incidents/new")).toBeNull();
  });
});
