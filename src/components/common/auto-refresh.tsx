"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/** Re-renders a server page every few seconds while it is visible, so lists stay live. */
export function AutoRefresh({ everyMs = 5_000 }: { everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    const id = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, everyMs);
    return () => clearInterval(id);
  }, [router, everyMs]);
  return null;
}
