"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import { Button, type ButtonProps } from "@/components/ui/button";

/**
 * A button that runs one server action on one object: asks for confirmation when told to,
 * disables itself while running (no double submit), refreshes the page on success, and says
 * why when the action is refused. An unknown outcome (UNAVAILABLE) refreshes too: the page
 * shows what is known now.
 */
export function ActionButton<I>({
  action,
  input,
  label,
  confirm,
  variant = "outline",
}: {
  action: (input: I) => Promise<ActionResult<unknown>>;
  input: I;
  label: string;
  confirm?: string;
  variant?: ButtonProps["variant"];
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="flex items-center gap-2">
      <Button
        size="sm"
        variant={variant}
        disabled={pending}
        onClick={() => {
          if (confirm && !window.confirm(confirm)) return;
          startTransition(async () => {
            const r = await action(input);
            setError(r.ok ? null : r.error.message);
            if (r.ok || r.error.code === "UNAVAILABLE") router.refresh();
          });
        }}
      >
        {label}
      </Button>
      {error ? (
        <span role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </span>
      ) : null}
    </div>
  );
}
