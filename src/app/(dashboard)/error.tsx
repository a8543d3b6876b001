"use client";

import { AlertTriangle } from "lucide-react";
import { Button } from "@/components/ui/button";

export default function SectionError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div role="alert" className="mx-auto mt-10 max-w-lg rounded-lg border bg-card p-6 text-center">
      <AlertTriangle className="mx-auto mb-2 size-8 text-amber-600" aria-hidden="true" />
      <h1 className="text-lg font-semibold">This page could not load</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        The server could not answer. The data may be temporarily unavailable.
        {error.digest ? ` Reference: ${error.digest}.` : ""}
      </p>
      <Button className="mt-4" onClick={reset}>
        Try again
      </Button>
    </div>
  );
}
