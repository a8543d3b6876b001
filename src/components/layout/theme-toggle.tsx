"use client";

import type { ReactNode } from "react";
import { useTheme } from "next-themes";

/**
 * Switches between the light and dark theme. The button's classes and its sun and moon icons
 * come from the server (the layout), so neither the button styles' merging nor the icon library
 * is part of every page's JavaScript.
 */
export function ThemeToggle({ className, children }: { className: string; children: ReactNode }) {
  const { resolvedTheme, setTheme } = useTheme();
  const next = resolvedTheme === "dark" ? "light" : "dark";
  return (
    <button
      type="button"
      className={className}
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      onClick={() => setTheme(next)}
    >
      {children}
    </button>
  );
}
