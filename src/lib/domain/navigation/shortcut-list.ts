import { GO_TO, type ShortcutCommand } from "@/lib/domain/navigation/shortcuts";

/**
 * The keyboard shortcuts described, for the `?` help (loaded only when it opens) and the
 * README's table; each command is the one the key handler runs (shortcuts.ts).
 */
export interface Shortcut {
  /** the keys as shown: "g i", "?", "Ctrl K" */
  keys: string;
  description: string;
  group: "Anywhere" | "Go to" | "Lists" | "Incident page";
  command: ShortcutCommand;
}

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
