"use client";

import { Suspense, lazy, useCallback, useEffect, useRef, useState } from "react";
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
  // Nothing typed is lost while code loads: keys before the handler arrives wait for it, and
  // text typed while the palette opens becomes its query.
  const queued = useRef<string[]>([]);
  // whether the handler listens yet: from its first effect, not from when its code arrived
  const ready = useRef(false);
  const handlerReady = useCallback((listening: boolean) => {
    ready.current = listening;
  }, []);
  const typeAhead = useRef<string | null>(null);
  const paletteShown = useRef(false);
  const openPalette = useCallback(() => {
    setHelp(false);
    if (!paletteShown.current) typeAhead.current ??= "";
    setPalette(true);
  }, []);
  const openHelp = useCallback(() => setHelp(true), []);
  const takeQueued = useCallback(() => queued.current.splice(0), []);
  const typedAhead = useCallback(() => typeAhead.current ?? "", []);
  const paletteOpened = useCallback(() => {
    paletteShown.current = true;
    typeAhead.current = null;
  }, []);
  const closePalette = useCallback(() => {
    paletteShown.current = false;
    typeAhead.current = null;
    setPalette(false);
  }, []);

  useEffect(() => {
    const start = () => void loadKeys().then(() => setKeys(true));
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing) return;
      const printable = e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey;
      const field =
        e.target instanceof HTMLElement &&
        (e.target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName));
      if (typeAhead.current !== null) {
        if (printable && !field) {
          typeAhead.current += e.key;
          e.preventDefault();
        }
        return;
      }
      if (ready.current) return; // the handler has them
      if (isPaletteKey(e)) {
        e.preventDefault();
        openPalette();
        start();
      } else if (printable && !field && !document.querySelector("dialog[open]")) {
        queued.current.push(e.key);
        start();
      }
    };
    document.addEventListener("keydown", onKey);
    if (keys) return () => document.removeEventListener("keydown", onKey);
    const idle = typeof requestIdleCallback === "function";
    const id = idle ? requestIdleCallback(start, { timeout: 3_000 }) : null;
    const timer = idle ? null : setTimeout(start, 1_000);
    return () => {
      document.removeEventListener("keydown", onKey);
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
          <KeyHandler
            overlay={palette || help}
            onPalette={openPalette}
            onHelp={openHelp}
            takeQueued={takeQueued}
            onReady={handlerReady}
          />
        ) : null}
      </Suspense>
      <Suspense>
        {palette ? (
          <CommandPalette typedAhead={typedAhead} onOpen={paletteOpened} onClose={closePalette} />
        ) : null}
      </Suspense>
      <Suspense>{help ? <ShortcutHelp onClose={() => setHelp(false)} /> : null}</Suspense>
    </>
  );
}
