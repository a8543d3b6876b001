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
  // Whether the palette or the help is open, known at once (the state re-renders later, and a
  // key typed in between belongs to them, not to the shortcuts).
  const overlay = useRef<"palette" | "help" | null>(null);
  const overlayOpen = useCallback(() => overlay.current !== null, []);
  const openPalette = useCallback(() => {
    overlay.current = "palette";
    setHelp(false);
    if (!paletteShown.current) typeAhead.current ??= "";
    setPalette(true);
  }, []);
  const openHelp = useCallback(() => {
    overlay.current = "help";
    setHelp(true);
  }, []);
  const closeHelp = useCallback(() => {
    if (overlay.current === "help") overlay.current = null;
    setHelp(false);
  }, []);
  const takeQueued = useCallback(() => queued.current.splice(0), []);
  const typedAhead = useCallback(() => typeAhead.current ?? "", []);
  /** The palette's input has the keys from now on: what was typed before, once. */
  const paletteOpened = useCallback(() => {
    paletteShown.current = true;
    const typed = typeAhead.current ?? "";
    typeAhead.current = null;
    return typed;
  }, []);
  const closePalette = useCallback(() => {
    if (overlay.current === "palette") overlay.current = null;
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
            overlay={overlayOpen}
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
      <Suspense>{help ? <ShortcutHelp onClose={closeHelp} /> : null}</Suspense>
    </>
  );
}
