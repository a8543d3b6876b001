"use client";

import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { SloLinks } from "@/components/slos/slo-links";

type Applied = { created: string[]; updated: string[]; unchanged: string[] };

/** Paste or upload OpenSLO v1 / Flightdeck YAML; all documents apply or none do. */
export function SloImportForm({
  importSlos,
}: {
  importSlos: (input: { yaml: string }) => Promise<ActionResult<Applied>>;
}) {
  const [yaml, setYaml] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<Applied | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <form
      aria-label="Import SLOs"
      className="max-w-4xl space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        setResult(null);
        startTransition(async () => {
          const r = await importSlos({ yaml });
          if (!r.ok) setError(r.error.message);
          else setResult(r.data);
        });
      }}
    >
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="slo-yaml">YAML documents</Label>
        <textarea
          id="slo-yaml"
          className="min-h-80 w-full rounded-md border bg-background px-3 py-2 font-mono text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          value={yaml}
          onChange={(e) => setYaml(e.target.value)}
          placeholder={"apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: …"}
          spellCheck={false}
        />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <label className="text-sm">
          <span className="mr-2">Or upload a file</span>
          <input
            type="file"
            accept=".yaml,.yml,application/yaml,text/yaml"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) setYaml(await file.text());
            }}
          />
        </label>
        <Button type="submit" disabled={pending || yaml.trim() === ""}>
          {pending ? "Importing…" : "Import"}
        </Button>
      </div>
      {error ? (
        <pre
          role="alert"
          className="whitespace-pre-wrap rounded-md border border-red-300 bg-red-50 p-3 text-xs text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100"
        >
          {error}
        </pre>
      ) : null}
      {result ? (
        <div role="status" className="rounded-md border p-3 text-sm" data-testid="import-result">
          <p className="font-medium">Imported.</p>
          {result.created.length > 0 ? (
            <p>
              Created: <SloLinks names={result.created} />
            </p>
          ) : null}
          {result.updated.length > 0 ? (
            <p>
              Updated: <SloLinks names={result.updated} />
            </p>
          ) : null}
          {result.unchanged.length > 0 ? (
            <p>
              Unchanged: <SloLinks names={result.unchanged} />
            </p>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
