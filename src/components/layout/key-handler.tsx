"use client";

import { usePathname, useRouter } from "next/navigation";
import { useCallback, useEffect, useRef } from "react";
import { fleetFilterQuery } from "@/lib/domain/navigation/fleet-filter";
import {
  ACT_PARAM,
  incidentOnPage,
  keyName,
  resolveShortcut,
  type ShortcutCommand,
} from "@/lib/domain/navigation/shortcuts";

const SELECTED = "data-kbd-selected";

/** Rows of the page's lists that lead somewhere: what j and k move between. */
function listRows(): HTMLTableRowElement[] {
  return [...document.querySelectorAll<HTMLTableRowElement>("main table tbody tr")].filter((r) =>
    r.querySelector("a[href]"),
  );
}

function moveRow(step: 1 | -1) {
  const rows = listRows();
  if (rows.length === 0) return;
  let at = rows.findIndex((r) => r.hasAttribute(SELECTED));
  if (at < 0) at = rows.findIndex((r) => r.contains(document.activeElement));
  const next = at < 0 ? (step === 1 ? 0 : rows.length - 1) : at + step;
  const row = rows[Math.min(rows.length - 1, Math.max(0, next))];
  if (!row) return;
  for (const r of rows) r.removeAttribute(SELECTED);
  row.setAttribute(SELECTED, "");
  row.querySelector<HTMLAnchorElement>("a[href]")?.focus();
  row.scrollIntoView({ block: "nearest" });
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target.closest("dialog[open]")) return true; // a confirmation or the palette has the keys
  return ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * The shortcuts of src/lib/domain/navigation/shortcuts.ts, loaded after the page's first paint
 * (shell-keyboard.tsx): renders nothing, listens to keys, and opens the palette and the help
 * through the shell, which owns them.
 */
export default function KeyHandler({
  overlay,
  onPalette,
  onHelp,
  takeQueued,
  onReady,
}: {
  /** the palette or the help is open: keys are theirs */
  overlay: () => boolean;
  onPalette: () => void;
  onHelp: () => void;
  /** the keys pressed before this code arrived (each given once) */
  takeQueued: () => string[];
  /** told when this starts and stops listening */
  onReady: (listening: boolean) => void;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const pending = useRef<{ key: string; until: number } | null>(null);

  const run = useCallback(
    (command: ShortcutCommand) => {
      switch (command.kind) {
        case "palette":
          onPalette();
          return;
        case "help":
          onHelp();
          return;
        case "go":
          // the fleet filter (region, environment) follows, as on the sidebar's links
          router.push(
            `${command.href}${fleetFilterQuery(new URLSearchParams(window.location.search))}`,
          );
          return;
        case "row":
          moveRow(command.move);
          return;
        case "open-row": {
          const row = listRows().find((r) => r.hasAttribute(SELECTED));
          row?.querySelector<HTMLAnchorElement>("a[href]")?.click();
          return;
        }
        case "incident-act": {
          const number = incidentOnPage(pathname);
          if (number !== null) {
            router.replace(`/incidents/${number}?${ACT_PARAM}=${command.act}`, { scroll: false });
          }
          return;
        }
        case "what-changed": {
          const section = document.getElementById("what-changed");
          section?.scrollIntoView({ block: "start" });
          section?.focus({ preventScroll: true });
          return;
        }
      }
    },
    [router, pathname, onPalette, onHelp],
  );

  /** One key: a command, the first key of a sequence, or nothing. True when it was used. */
  const handle = useCallback(
    (key: string): boolean => {
      const now = Date.now();
      const before = pending.current && pending.current.until > now ? pending.current.key : null;
      pending.current = null;
      const command = resolveShortcut(key, before, incidentOnPage(pathname) !== null);
      if (command === null) return false;
      if (command === "wait") pending.current = { key, until: now + 1500 };
      else run(command);
      return true;
    },
    [pathname, run],
  );

  // Keys pressed before this code arrived, in order.
  useEffect(() => {
    for (const key of takeQueued()) handle(key);
  }, [takeQueued, handle]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const key = keyName(e);
      if (key === null) return;
      // While the palette or the help opens or is open, keys are theirs, not shortcuts.
      if (overlay() && key !== "Ctrl K") return;
      if (key !== "Ctrl K" && typing(e.target)) return;
      if (handle(key)) e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    onReady(true);
    return () => {
      onReady(false);
      document.removeEventListener("keydown", onKey);
    };
  }, [handle, overlay, onReady]);

  // A new page starts with no row selected.
  useEffect(() => {
    for (const r of document.querySelectorAll(`[${SELECTED}]`)) r.removeAttribute(SELECTED);
  }, [pathname]);

  // The palette's code too, so it opens at once.
  useEffect(() => {
    void import("@/components/layout/command-palette");
  }, []);

  return null;
}
