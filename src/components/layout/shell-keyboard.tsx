"use client";

import { usePathname, useRouter } from "next/navigation";
import { Suspense, lazy, useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import {
  ACT_PARAM,
  incidentOnPage,
  keyName,
  resolveShortcut,
  type ShortcutCommand,
} from "@/lib/domain/navigation/shortcuts";

// Loaded when first opened: the shell's first load carries only this key handler.
const CommandPalette = lazy(() => import("@/components/layout/command-palette"));
const ShortcutHelp = lazy(() => import("@/components/layout/shortcut-help"));

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

/** Keeps the fleet filter (region, environment) when going to another section. */
function withFilter(href: string): string {
  const now = new URLSearchParams(window.location.search);
  const keep = new URLSearchParams();
  for (const key of ["region", "env"]) {
    const value = now.get(key);
    if (value) keep.set(key, value);
  }
  const query = keep.toString();
  return query ? `${href}?${query}` : href;
}

/**
 * The shell's keyboard: the search button, Ctrl/⌘-K for the command palette, `?` for the
 * shortcuts, and the shortcuts of src/lib/domain/navigation/shortcuts.ts. The icon is drawn by
 * the server, so the icon library stays out of the page's JavaScript.
 */
export function ShellKeyboard({ searchIcon }: { searchIcon: ReactNode }) {
  const router = useRouter();
  const pathname = usePathname();
  const [palette, setPalette] = useState(false);
  const [help, setHelp] = useState(false);
  const pending = useRef<{ key: string; until: number } | null>(null);

  const run = useCallback(
    (command: ShortcutCommand) => {
      switch (command.kind) {
        case "palette":
          setHelp(false);
          setPalette(true);
          return;
        case "help":
          setHelp(true);
          return;
        case "go":
          router.push(withFilter(command.href));
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
    [router, pathname],
  );

  // Fetch the palette's code once the page is idle, so keys typed right after Ctrl-K land in it.
  useEffect(() => {
    const load = () => void import("@/components/layout/command-palette");
    if ("requestIdleCallback" in window) {
      const id = window.requestIdleCallback(load, { timeout: 5_000 });
      return () => window.cancelIdleCallback(id);
    }
    const id = setTimeout(load, 2_000);
    return () => clearTimeout(id);
  }, []);

  const overlay = palette || help;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const key = keyName(e);
      if (key === null) return;
      // While the palette or the help opens or is open, keys are theirs, not shortcuts.
      if (overlay && key !== "Ctrl K") return;
      if (key !== "Ctrl K" && typing(e.target)) return;
      const now = Date.now();
      const before = pending.current && pending.current.until > now ? pending.current.key : null;
      pending.current = null;
      const command = resolveShortcut(key, before, incidentOnPage(pathname) !== null);
      if (command === null) return;
      e.preventDefault();
      if (command === "wait") {
        pending.current = { key, until: now + 1500 };
        return;
      }
      run(command);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [pathname, run, overlay]);

  // A new page starts with no row selected.
  useEffect(() => {
    for (const r of document.querySelectorAll(`[${SELECTED}]`)) r.removeAttribute(SELECTED);
  }, [pathname]);

  return (
    <>
      <button
        type="button"
        onClick={() => setPalette(true)}
        className="flex h-8 items-center gap-2 rounded-md border bg-background px-2 text-sm text-muted-foreground hover:bg-muted focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-ring"
        aria-keyshortcuts="Control+K Meta+K"
        data-testid="open-palette"
      >
        {searchIcon}
        <span>Search or jump to…</span>
        <kbd className="rounded border bg-muted px-1 font-mono text-[0.7rem]">Ctrl K</kbd>
      </button>
      <Suspense>
        {palette ? <CommandPalette onClose={() => setPalette(false)} /> : null}
        {help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}
      </Suspense>
    </>
  );
}
