"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { ConfigApplyResult, ConfigFormInput } from "@/lib/schemas/config";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";

type ConfigAction = (input: ConfigFormInput) => Promise<ActionResult<ConfigApplyResult>>;

const show = (v: unknown) => (v === null || v === undefined ? "(none)" : JSON.stringify(v));
const SIGN = { create: "+", update: "~", delete: "-" } as const;

function Changes({ result }: { result: ConfigApplyResult }) {
  const { summary, changes, problems } = result;
  return (
    <div className="flex flex-col gap-2" data-testid="config-diff">
      {changes.length === 0 ? (
        <p className="text-sm">No changes: the fleet already matches the file.</p>
      ) : (
        <>
          <p className="text-sm">
            {summary.create} to create, {summary.update} to update, {summary.delete} to delete.
          </p>
          <pre className="max-h-96 overflow-auto rounded-md border bg-muted/40 p-3 font-mono text-xs">
            {changes
              .map((c) =>
                [
                  `${SIGN[c.op]} ${c.kind} ${c.name}`,
                  ...c.fields.map((f) =>
                    c.op === "update"
                      ? `    ${f.field}: ${show(f.before)} → ${show(f.after)}`
                      : `    ${f.field}: ${show(c.op === "create" ? f.after : f.before)}`,
                  ),
                ].join("\n"),
              )
              .join("\n")}
          </pre>
        </>
      )}
      {problems.length > 0 ? (
        <div role="alert" className="text-sm text-red-700 dark:text-red-300">
          <p className="font-medium">Refused; nothing will be applied:</p>
          <ul className="list-disc pl-5">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

/**
 * Paste or upload flightdeck.yaml, preview the changes, then apply exactly that text. Editing
 * the text or the prune choice asks for a new preview first.
 */
export function ConfigEditor({
  initial,
  preview,
  apply,
}: {
  initial: string;
  preview: ConfigAction;
  apply: ConfigAction;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [yaml, setYaml] = useState(initial);
  const [prune, setPrune] = useState(false);
  const [previewed, setPreviewed] = useState<ActionResult<ConfigApplyResult> | null>(null);
  const [applied, setApplied] = useState<ActionResult<ConfigApplyResult> | null>(null);
  const changed = () => {
    setPreviewed(null);
    setApplied(null);
  };
  const canApply =
    previewed?.ok === true &&
    previewed.data.problems.length === 0 &&
    previewed.data.changes.length > 0;

  return (
    <form
      aria-label="Apply fleet configuration"
      className="flex flex-col gap-3 rounded-lg border bg-card p-4"
      onSubmit={(e) => {
        e.preventDefault();
        startTransition(async () => {
          setApplied(null);
          setPreviewed(await preview({ yaml, prune }));
        });
      }}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Label htmlFor="config-yaml">flightdeck.yaml</Label>
        <label className="text-sm">
          <span className="sr-only">Upload a file</span>
          <input
            type="file"
            accept=".yaml,.yml,.json,application/yaml,text/yaml,application/json"
            className="text-sm"
            onChange={async (e) => {
              const file = e.currentTarget.files?.[0];
              if (!file) return;
              setYaml(await file.text());
              changed();
            }}
          />
        </label>
      </div>
      <textarea
        id="config-yaml"
        className="min-h-96 w-full rounded-md border bg-background px-3 py-2 font-mono text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
        spellCheck={false}
        value={yaml}
        onChange={(e) => {
          setYaml(e.target.value);
          changed();
        }}
      />
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={prune}
          onChange={(e) => {
            setPrune(e.target.checked);
            changed();
          }}
        />
        Prune: also delete what a section of the file does not list
      </label>
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" variant="outline" disabled={pending}>
          {pending ? "Comparing…" : "Preview changes"}
        </Button>
        <Button
          type="button"
          disabled={pending || !canApply}
          onClick={() => {
            if (!previewed?.ok) return;
            const s = previewed.data.summary;
            if (
              !window.confirm(
                `Apply ${s.create} creations, ${s.update} updates and ${s.delete} deletions in one change?`,
              )
            ) {
              return;
            }
            startTransition(async () => {
              const r = await apply({ yaml, prune });
              setApplied(r);
              if (r.ok) {
                setPreviewed(null);
                router.refresh();
              }
            });
          }}
        >
          Apply
        </Button>
      </div>
      {previewed && !previewed.ok ? (
        <p role="alert" className="whitespace-pre-line text-sm text-red-700 dark:text-red-300">
          {previewed.error.message}
        </p>
      ) : null}
      {previewed?.ok ? <Changes result={previewed.data} /> : null}
      {applied ? (
        applied.ok ? (
          <div role="status" className="flex flex-col gap-2">
            <p className="text-sm text-emerald-700 dark:text-emerald-300">
              {applied.data.applied
                ? "Applied, in one change (audit action config.apply)."
                : "Nothing to apply: the fleet already matches the file."}
            </p>
            <Changes result={applied.data} />
          </div>
        ) : (
          <p role="alert" className="whitespace-pre-line text-sm text-red-700 dark:text-red-300">
            {applied.error.message}
          </p>
        )
      ) : null}
    </form>
  );
}
