"use client";

import { Suspense, lazy, useCallback, useEffect, useState } from "react";
import { OPEN_PALETTE } from "@/lib/domain/navigation/shortcuts";

// None of these is in a page's first load: the key handler arrives once the page is idle (or at
// the first Ctrl-K), the palette and the help when first opened.
const loadKeys = () => import("@/components/layout/key-handler");
const KeyHandler = lazy(loadKeys);
const CommandPalette = lazy(() => import("@/components/layout/command-palette"));
const ShortcutHelp = lazy(() => import("@/components/layout/shortcut-help"));

const isPaletteKey = (e: KeyboardEvent) =>
  (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "k";

/**
 * The shell's command palette (Ctrl/⌘-K, or the header's search button) and keyboard shortcuts
 * (`?`).
 */
export function ShellKeyboard() {
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

  // The search button, wherever the server put it.
  useEffect(() => {
    const onClick = (e: MouseEvent) => {
      if (e.target instanceof Element && e.target.closest(`[${OPEN_PALETTE}]`)) openPalette();
    };
    document.addEventListener("click", onClick);
    return () => document.removeEventListener("click", onClick);
  }, [openPalette]);

  return (
    <>
      {/* one boundary each: a loading palette must not hold back the handler's new props */}
      <Suspense>
        {keys ? (
          <KeyHandler overlay={palette || help} onPalette={openPalette} onHelp={openHelp} />
        ) : null}
      </Suspense>
      <Suspense>{palette ? <CommandPalette onClose={() => setPalette(false)} /> : null}</Suspense>
      <Suspense>{help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}</Suspense>
    </>
  );
}
