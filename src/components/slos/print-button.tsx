"use client";

import type { ReactNode } from "react";

/**
 * Prints the page. Its classes and icon come from the server (the page), so this button adds a
 * few hundred bytes to the page's JavaScript instead of the button component's libraries.
 */
export function PrintButton({ className, children }: { className: string; children: ReactNode }) {
  return (
    <button type="button" className={className} onClick={() => window.print()}>
      {children}
    </button>
  );
}
