"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { AddLinkInput } from "@/lib/schemas/links";
import { PLACEHOLDERS_OF, type LinkSubjectKind } from "@/lib/domain/models/link-templates";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

/** Adds a link template to a model or an SLO; placeholders are filled in where it is shown. */
export function AddLinkForm({
  subjectKind,
  subject,
  add,
}: {
  subjectKind: LinkSubjectKind;
  subject: string;
  add: (input: AddLinkInput) => Promise<ActionResult<unknown>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [label, setLabel] = useState("");
  const [url, setUrl] = useState("");
  const [error, setError] = useState<string | null>(null);
  const placeholders = PLACEHOLDERS_OF[subjectKind].map((p) => `{${p}}`).join(" ");
  return (
    <form
      aria-label="Add a link"
      className="mt-2 flex flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        startTransition(async () => {
          const r = await add({ subjectKind, subject, label, urlTemplate: url });
          if (r.ok) {
            setLabel("");
            setUrl("");
            setError(null);
            router.refresh();
          } else {
            setError(r.error.message);
          }
        });
      }}
    >
      <div className="space-y-1">
        <Label htmlFor="link-label">Label</Label>
        <Input
          id="link-label"
          className="w-36"
          placeholder="Dashboard"
          value={label}
          onChange={(e) => setLabel(e.target.value)}
        />
      </div>
      <div className="min-w-72 flex-1 space-y-1">
        <Label htmlFor="link-url">URL template</Label>
        <Input
          id="link-url"
          placeholder={`https://grafana.example.com/d/serving?var-model={model}`}
          value={url}
          aria-describedby="link-url-hint"
          onChange={(e) => setUrl(e.target.value)}
        />
        <p id="link-url-hint" className="text-xs text-muted-foreground">
          http(s) only; placeholders: {placeholders}
        </p>
      </div>
      <Button type="submit" size="sm" variant="outline" disabled={pending}>
        Add link
      </Button>
      {error ? (
        <p role="alert" className="w-full text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </form>
  );
}
