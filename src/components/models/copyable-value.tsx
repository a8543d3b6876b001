"use client";

import { useEffect, useRef, useState } from "react";
import { Check, Copy } from "lucide-react";
import { cn } from "@/lib/utils";

/**
 * A long identifier (digest, commit, URI) shown shortened in monospace, with the full value in
 * its title, read in full by screen readers, and a button that copies it. Where the clipboard
 * is not available (plain HTTP), the button selects the value for Ctrl+C instead.
 */
export function CopyableValue({
  value,
  display = value,
  label,
  className,
}: {
  value: string;
  display?: string;
  label: string;
  className?: string;
}) {
  const [status, setStatus] = useState("");
  const full = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!status) return;
    const id = setTimeout(() => setStatus(""), 4_000);
    return () => clearTimeout(id);
  }, [status]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setStatus("Copied");
    } catch {
      const node = full.current;
      const selection = window.getSelection();
      if (node && selection) {
        const range = document.createRange();
        range.selectNodeContents(node);
        selection.removeAllRanges();
        selection.addRange(range);
      }
      setStatus("Selected: press Ctrl+C to copy");
    }
  };
  return (
    <span className={cn("inline-flex max-w-full items-center gap-1", className)}>
      <code title={value} className="min-w-0 break-all font-mono text-xs">
        <span aria-hidden="true">{display}</span>
        <span ref={full} className="sr-only">
          {value}
        </span>
      </code>
      <button
        type="button"
        onClick={copy}
        aria-label={`Copy ${label}`}
        title={`Copy ${label}`}
        className="inline-flex size-6 shrink-0 items-center justify-center rounded text-muted-foreground hover:bg-accent hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
      >
        {status === "Copied" ? (
          <Check className="size-3.5" aria-hidden="true" />
        ) : (
          <Copy className="size-3.5" aria-hidden="true" />
        )}
      </button>
      <span role="status" className="text-xs text-muted-foreground">
        {status}
      </span>
    </span>
  );
}
