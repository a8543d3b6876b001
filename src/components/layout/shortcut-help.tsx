"use client";

import { useEffect, useId, useRef } from "react";
import { SHORTCUTS, type Shortcut } from "@/lib/domain/navigation/shortcut-list";

const GROUPS: Shortcut["group"][] = ["Anywhere", "Go to", "Lists", "Incident page"];

/** `?`: every keyboard shortcut, from the same table the key handler reads. */
export default function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby={`${id}-title`}
      className="mx-auto mt-[10vh] w-[36rem] max-w-[95vw] rounded-lg border bg-card p-5 text-card-foreground shadow-xl backdrop:bg-black/40"
      onClose={onClose}
      data-testid="shortcut-help"
    >
      <div className="mb-3 flex items-center justify-between">
        <h2 id={`${id}-title`} className="text-base font-semibold">
          Keyboard shortcuts
        </h2>
        <form method="dialog">
          <button
            type="submit"
            autoFocus
            className="rounded-md border px-2 py-1 text-sm hover:bg-muted focus-visible:outline-2 focus-visible:outline-ring"
          >
            Close
          </button>
        </form>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        {GROUPS.map((group) => (
          <section key={group} aria-labelledby={`${id}-${group}`}>
            <h3 id={`${id}-${group}`} className="mb-1 text-sm font-semibold">
              {group}
            </h3>
            <dl className="space-y-1 text-sm">
              {SHORTCUTS.filter((s) => s.group === group).map((s) => (
                <div key={s.keys} className="flex items-baseline justify-between gap-3">
                  <dt>
                    {s.keys.split(" ").map((k, i) => (
                      <kbd
                        key={i}
                        className="mr-1 rounded border bg-muted px-1.5 font-mono text-xs"
                      >
                        {k}
                      </kbd>
                    ))}
                  </dt>
                  <dd className="text-right text-muted-foreground">{s.description}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
      <p className="mt-4 text-xs text-muted-foreground">
        Shortcuts do nothing while you type in a field. Actions open the same confirmation as their
        buttons.
      </p>
    </dialog>
  );
}
