"use client";

import { useRouter } from "next/navigation";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import {
  SEARCH_KIND_LABELS,
  type SearchKind,
  type SearchResult,
} from "@/lib/domain/navigation/search";

/** One line of the list: a result, or one of its actions beneath it. */
interface Option {
  id: string;
  kind: SearchKind;
  label: string;
  detail: string;
  href: string;
  action: boolean;
  destructive: boolean;
}

function optionsOf(results: SearchResult[], prefix: string): Option[] {
  return results.flatMap((r, i) => [
    {
      id: `${prefix}-${i}`,
      kind: r.kind,
      label: r.title,
      detail: r.detail,
      href: r.href,
      action: false,
      destructive: false,
    },
    ...r.actions.map((a, j) => ({
      id: `${prefix}-${i}-${j}`,
      kind: r.kind,
      label: a.label,
      detail: "",
      href: a.href,
      action: true,
      destructive: a.destructive,
    })),
  ]);
}

/** Consecutive options of one kind, under the kind's heading. */
function groupsOf(options: Option[]): { kind: SearchKind; items: Option[] }[] {
  const groups: { kind: SearchKind; items: Option[] }[] = [];
  for (const o of options) {
    const last = groups.at(-1);
    if (last && last.kind === o.kind) last.items.push(o);
    else groups.push({ kind: o.kind, items: [o] });
  }
  return groups;
}

type State =
  | { status: "loading" }
  | { status: "ready"; results: SearchResult[] }
  | { status: "error"; message: string };

const DEBOUNCE_MS = 120;

/**
 * Ctrl/⌘-K: find any page or object by name or number and act on it. The server searches
 * (GET /api/v1/search) and returns only the actions this person may take; an action opens the
 * object's page with its confirmation showing, so the blast radius is read before anything
 * changes. A combobox with a listbox: arrows move, Enter opens, Escape closes.
 */
export default function CommandPalette({
  typedAhead,
  onOpen,
  onClose,
}: {
  /** what was typed while the palette's code loaded: its first query */
  typedAhead: () => string;
  /** the input has the keys from now on; returns all that was typed before it */
  onOpen: () => string;
  onClose: () => void;
}) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  const [query, setQuery] = useState(typedAhead);
  const initial = useRef(query);
  const [state, setState] = useState<State>({ status: "loading" });
  const [active, setActive] = useState(0);

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
    // Keys typed between this render and now (a lazy render can wait before it commits) are
    // in the shell's buffer too: take them all, once.
    const typed = onOpen();
    if (typed.length > initial.current.length) {
      // Into the field at once as well: a key typed before React renders the new query lands
      // after it, instead of replacing it with what the field held (the first key was lost).
      const input = d?.querySelector("input");
      if (input) input.value = typed;
      queueMicrotask(() => setQuery(typed));
    }
  }, [onOpen]);

  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(
      () => {
        fetch(`/api/v1/search?q=${encodeURIComponent(query)}`, {
          signal: controller.signal,
          headers: { Accept: "application/json" },
        })
          .then(async (res) => {
            const body = (await res.json()) as {
              results?: SearchResult[];
              error?: { message: string };
            };
            if (!res.ok || !body.results) {
              setState({ status: "error", message: body.error?.message ?? `HTTP ${res.status}` });
            } else {
              setState({ status: "ready", results: body.results });
              setActive(0);
            }
          })
          .catch((error: unknown) => {
            if (controller.signal.aborted) return;
            setState({
              status: "error",
              message: error instanceof Error ? error.message : "Search failed.",
            });
          });
      },
      query ? DEBOUNCE_MS : 0,
    );
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [query]);

  const options = useMemo(
    () => (state.status === "ready" ? optionsOf(state.results, id) : []),
    [state, id],
  );
  const current = options[Math.min(active, options.length - 1)];

  useEffect(() => {
    if (current) document.getElementById(current.id)?.scrollIntoView({ block: "nearest" });
  }, [current]);

  const choose = (option: Option | undefined) => {
    if (!option) return;
    dialog.current?.close();
    router.push(option.href);
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    const last = options.length - 1;
    if (e.key === "ArrowDown") setActive((a) => (a >= last ? 0 : a + 1));
    else if (e.key === "ArrowUp") setActive((a) => (a <= 0 ? last : a - 1));
    else if (e.key === "Home" && e.ctrlKey) setActive(0);
    else if (e.key === "End" && e.ctrlKey) setActive(last);
    else if (e.key === "Enter") choose(current);
    else return;
    e.preventDefault();
  };

  return (
    <dialog
      ref={dialog}
      aria-label="Search and commands"
      className="mx-auto mt-[12vh] w-[40rem] max-w-[95vw] rounded-lg border bg-card p-0 text-card-foreground shadow-xl backdrop:bg-black/40"
      onClose={onClose}
      onClick={(e) => {
        if (e.target === dialog.current) dialog.current?.close(); // a click on the backdrop
      }}
      data-testid="command-palette"
    >
      <div className="border-b p-3">
        <input
          autoFocus
          role="combobox"
          aria-expanded={options.length > 0}
          aria-controls={`${id}-list`}
          aria-activedescendant={current?.id}
          aria-autocomplete="list"
          aria-label="Search pages, incidents, rollouts, models, SLOs, clusters"
          placeholder="Type a name, an incident number (#42) or a version…"
          className="w-full bg-transparent text-base outline-none placeholder:text-muted-foreground"
          value={query}
          maxLength={100}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
        />
      </div>
      {/* reachable by Tab too, to scroll a long list with the arrow keys */}
      <div
        className="max-h-[60vh] overflow-y-auto p-2"
        tabIndex={0}
        role="region"
        aria-label="Search results"
      >
        {state.status === "error" ? (
          <p role="alert" className="p-2 text-sm text-red-700 dark:text-red-300">
            Search failed: {state.message}
          </p>
        ) : null}
        {state.status === "ready" && options.length === 0 ? (
          <p className="p-2 text-sm text-muted-foreground" role="status">
            Nothing matches “{query}”. Try part of a name, or an incident’s number.
          </p>
        ) : null}
        {state.status === "loading" ? (
          <p className="p-2 text-sm text-muted-foreground" role="status">
            Searching…
          </p>
        ) : null}
        <div id={`${id}-list`} role="listbox" aria-label="Results">
          {groupsOf(options).map(({ kind, items }) => (
            <div key={kind} role="group" aria-labelledby={`${id}-${kind}`} className="mb-1">
              <div
                id={`${id}-${kind}`}
                className="px-2 pb-1 pt-2 text-xs font-semibold uppercase tracking-wide text-muted-foreground"
              >
                {SEARCH_KIND_LABELS[kind]}
              </div>
              {items.map((o) => {
                const selected = o.id === current?.id;
                return (
                  <div
                    key={o.id}
                    id={o.id}
                    role="option"
                    aria-selected={selected}
                    data-action={o.action ? "" : undefined}
                    className={`flex cursor-pointer items-baseline justify-between gap-3 rounded-md px-2 py-1.5 text-sm ${o.action ? "ml-4" : ""} ${selected ? "bg-accent text-accent-foreground outline-2 outline-ring" : ""}`}
                    onMouseMove={() => setActive(options.indexOf(o))}
                    onClick={() => choose(o)}
                  >
                    <span className={o.destructive ? "text-red-700 dark:text-red-300" : ""}>
                      {o.action ? "→ " : ""}
                      {o.label}
                    </span>
                    {o.detail ? (
                      <span className="shrink-0 text-xs text-muted-foreground">{o.detail}</span>
                    ) : null}
                  </div>
                );
              })}
            </div>
          ))}
        </div>
      </div>
      <p className="border-t px-3 py-2 text-xs text-muted-foreground">
        ↑ ↓ to move · Enter to open · Esc to close · actions ask to confirm on their page
      </p>
    </dialog>
  );
}
