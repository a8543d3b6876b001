"use client";

import { Suspense, lazy, useCallback, useEffect, useState, type ReactNode } from "react";

// None of these is in a page's first load: the key handler arrives once the page is idle (or at
// the first Ctrl-K), the palette and the help when first opened.
const loadKeys = () => import("@/components/layout/key-handler");
const KeyHandler = lazy(loadKeys);
const CommandPalette = lazy(() => import("@/components/layout/command-palette"));
const ShortcutHelp = lazy(() => import("@/components/layout/shortcut-help"));

const isPaletteKey = (e: KeyboardEvent) =>
  (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k";

/**
 * The shell's search button, command palette (Ctrl/⌘-K) and keyboard shortcuts (`?`). The icon
 * is drawn by the server, so the icon library stays out of the page's JavaScript.
 */
export function ShellKeyboard({ searchIcon }: { searchIcon: ReactNode }) {
  const [keys, setKeys] = useState(false);
  const [palette, setPalette] = useState(false);
  const [help, setHelp] = useState(false);
  const openPalette = useCallback(() => {
    setHelp(false);
    setPalette(true);
  }, []);
  const openHelp = useCallback(() => setHelp(true), []);

  useEffect(() => {
    if (keys) return;
    const start = () => void loadKeys().then(() => setKeys(true));
    // Ctrl-K before the handler arrives still opens the palette.
    const early = (e: KeyboardEvent) => {
      if (!isPaletteKey(e)) return;
      e.preventDefault();
      openPalette();
      start();
    };
    document.addEventListener("keydown", early);
    const idle = typeof requestIdleCallback === "function";
    const id = idle ? requestIdleCallback(start, { timeout: 3_000 }) : null;
    const timer = idle ? null : setTimeout(start, 1_000);
    return () => {
      document.removeEventListener("keydown", early);
      if (id !== null) cancelIdleCallback(id);
      if (timer !== null) clearTimeout(timer);
    };
  }, [keys, openPalette]);

  return (
    <>
      <button
        type="button"
        onClick={openPalette}
        className="flex h-8 items-center gap-2 rounded-md border bg-background px-2 text-sm text-muted-foreground hover:bg-muted"
        aria-keyshortcuts="Control+K Meta+K"
        data-testid="open-palette"
      >
        {searchIcon}
        <span>Search or jump to…</span>
        <kbd className="rounded border bg-muted px-1 font-mono text-[0.7rem]">Ctrl K</kbd>
      </button>
      <Suspense>
        {keys ? (
          <KeyHandler overlay={palette || help} onPalette={openPalette} onHelp={openHelp} />
        ) : null}
        {palette ? <CommandPalette onClose={() => setPalette(false)} /> : null}
        {help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}
      </Suspense>
    </>
  );
}
