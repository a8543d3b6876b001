import { TriangleAlert } from "lucide-react";

/** Shown on every page while demo accounts (public password) can sign in outside the local demo. */
export function DemoBanner() {
  return (
    <div
      role="alert"
      data-testid="demo-banner"
      className="flex items-center justify-center gap-2 border-b border-amber-500/50 bg-amber-100 px-4 py-1.5 text-sm font-medium text-amber-950 dark:bg-amber-950 dark:text-amber-100 print:hidden"
    >
      <TriangleAlert className="size-4 shrink-0" aria-hidden="true" />
      Demo accounts are enabled: anyone can sign in with the public demo password
      (FLIGHTDECK_DEMO=1).
    </div>
  );
}
