/**
 * Keyboard shortcuts: the keys and what they do, read by the key handler; shortcut-list.ts
 * describes them for the `?` help, and a test holds the README's table to it. Single keys, or `g` then a key to go somewhere (as in GitHub and
 * Gmail). Shortcuts never fire while typing in a field, and never change anything by themselves:
 * an action opens the same confirmation as its button.
 */

/** The `?act=` value a page reads to open one action's confirmation (never to run it). */
export const ACT_PARAM = "act";

/** The attribute of the header's search button (drawn by the server, with no script of its own). */
export const OPEN_PALETTE = "data-open-palette";

export type ShortcutCommand =
  | { kind: "palette" }
  | { kind: "help" }
  | { kind: "go"; href: string }
  | { kind: "row"; move: 1 | -1 }
  | { kind: "open-row" }
  | { kind: "incident-act"; act: "acknowledge" }
  | { kind: "what-changed" };

/** Where `g` then a key goes. */
export const GO_TO: Readonly<Record<string, { href: string; label: string }>> = {
  o: { href: "/", label: "Overview" },
  i: { href: "/incidents", label: "Incidents" },
  r: { href: "/rollouts", label: "Rollouts" },
  p: { href: "/promotions", label: "Promotions" },
  m: { href: "/models", label: "Models" },
  s: { href: "/slos", label: "SLOs" },
  c: { href: "/clusters", label: "Clusters" },
  d: { href: "/deployments", label: "Deployments" },
  t: { href: "/training", label: "Training" },
  a: { href: "/audit", label: "Audit log" },
};

/** What each single key does (the help's descriptions are in shortcut-list.ts, loaded with it). */
export const SINGLE_KEYS: Readonly<Record<string, ShortcutCommand>> = {
  "?": { kind: "help" },
  j: { kind: "row", move: 1 },
  k: { kind: "row", move: -1 },
  o: { kind: "open-row" },
  a: { kind: "incident-act", act: "acknowledge" },
  w: { kind: "what-changed" },
};

/** Keys that act only on an incident's page. */
export const INCIDENT_PAGE_KEYS: ReadonlySet<string> = new Set(["a", "w"]);

/** The key of a keydown as the table writes it, or null for keys shortcuts ignore. */
export function keyName(e: {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}): string | null {
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k") return "Ctrl K";
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === "/") return "/";
  if (e.key === "?") return "?";
  return /^[a-z]$/.test(e.key) ? e.key : null;
}

/**
 * What a key does after the keys before it (`pending` is "g" after a g): a command, "wait" for
 * a second key, or null. `onIncidentPage` enables the incident keys.
 */
export function resolveShortcut(
  key: string,
  pending: string | null,
  onIncidentPage: boolean,
): ShortcutCommand | "wait" | null {
  if (key === "Ctrl K" || key === "/") return { kind: "palette" };
  if (pending === "g") {
    const target = GO_TO[key];
    return target ? { kind: "go", href: target.href } : null;
  }
  if (key === "g") return "wait";
  const command = SINGLE_KEYS[key];
  if (!command) return null;
  if (INCIDENT_PAGE_KEYS.has(key) && !onIncidentPage) return null;
  return command;
}

/** The number of the incident whose page this is (not its postmortem), or null. */
export function incidentOnPage(pathname: string): number | null {
  const m = /^\/incidents\/(\d+)\/?$/.exec(pathname);
  return m ? Number(m[1]) : null;
}
