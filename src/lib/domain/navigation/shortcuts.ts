/**
 * Keyboard shortcuts: one table, read by the key handler, the `?` help and the README, so what
 * is documented is what works. Single keys, or `g` then a key to go somewhere (as in GitHub and
 * Gmail). Shortcuts never fire while typing in a field, and never change anything by themselves:
 * an action opens the same confirmation as its button.
 */

/** The `?act=` value a page reads to open one action's confirmation (never to run it). */
export const ACT_PARAM = "act";

export type ShortcutCommand =
  | { kind: "palette" }
  | { kind: "help" }
  | { kind: "go"; href: string }
  | { kind: "row"; move: 1 | -1 }
  | { kind: "open-row" }
  | { kind: "incident-act"; act: "acknowledge" }
  | { kind: "what-changed" };

export interface Shortcut {
  /** the keys as shown: "g i", "?", "Ctrl K" */
  keys: string;
  description: string;
  group: "Anywhere" | "Go to" | "Lists" | "Incident page";
  command: ShortcutCommand;
}

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

export const SHORTCUTS: readonly Shortcut[] = [
  {
    keys: "Ctrl K",
    description: "Search and run a command (⌘ K on a Mac; / works too)",
    group: "Anywhere",
    command: { kind: "palette" },
  },
  { keys: "?", description: "Show these shortcuts", group: "Anywhere", command: { kind: "help" } },
  ...Object.entries(GO_TO).map(([key, { href, label }]) => ({
    keys: `g ${key}`,
    description: label,
    group: "Go to" as const,
    command: { kind: "go" as const, href },
  })),
  { keys: "j", description: "Next row", group: "Lists", command: { kind: "row", move: 1 } },
  { keys: "k", description: "Previous row", group: "Lists", command: { kind: "row", move: -1 } },
  {
    keys: "o",
    description: "Open the selected row (Enter works too)",
    group: "Lists",
    command: { kind: "open-row" },
  },
  {
    keys: "a",
    description: "Acknowledge the incident (asks to confirm)",
    group: "Incident page",
    command: { kind: "incident-act", act: "acknowledge" },
  },
  {
    keys: "w",
    description: "Go to “What changed?”",
    group: "Incident page",
    command: { kind: "what-changed" },
  },
];

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
  const found = SHORTCUTS.find((s) => s.keys === key);
  if (!found) return null;
  if (found.group === "Incident page" && !onIncidentPage) return null;
  return found.command;
}

/** The number of the incident whose page this is (not its postmortem), or null. */
export function incidentOnPage(pathname: string): number | null {
  const m = /^\/incidents\/(\d+)\/?$/.exec(pathname);
  return m ? Number(m[1]) : null;
}
