"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import { Button } from "@/components/ui/button";

export function DeleteSloButton({
  name,
  version,
  remove,
}: {
  name: string;
  version: number;
  remove: (input: { name: string; version: number }) => Promise<ActionResult<{ deleted: boolean }>>;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div className="flex flex-col items-end gap-1">
      <Button
        type="button"
        size="sm"
        variant="destructive"
        disabled={pending}
        onClick={() => {
          if (!window.confirm(`Delete SLO ${name} and its history? Alerts for it stop.`)) return;
          startTransition(async () => {
            const r = await remove({ name, version });
            if (!r.ok) {
              setError(r.error.message);
              return;
            }
            router.push("/slos");
          });
        }}
      >
        {pending ? "Deleting…" : "Delete SLO"}
      </Button>
      {error ? (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </div>
  );
}
