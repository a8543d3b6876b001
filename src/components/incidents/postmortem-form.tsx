"use client";

import { useRouter } from "next/navigation";
import { useRef, useState, useTransition, type FormEvent } from "react";
import { Plus, Trash2 } from "lucide-react";
import type { ActionResult } from "@/lib/schemas/result";
import {
  postmortemComplete,
  postmortemDraftSchema,
  type PostmortemDraft,
  type PostmortemInput,
  type TimelineEntry,
} from "@/lib/domain/incidents/postmortem";
import type { SavePostmortemInput } from "@/lib/domain/incidents/postmortem-edit";
import {
  PostmortemProgress,
  type PostmortemCompleteness,
} from "@/components/incidents/postmortem-card";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { FieldError } from "@/components/common/field-error";

const AREA =
  "min-h-24 w-full rounded-md border bg-background px-3 py-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring";
const ERROR = "text-sm text-red-700 dark:text-red-300";

interface Entry {
  key: string;
  /** ISO 8601; empty while the person has cleared the date */
  at: string;
  text: string;
  source: "auto" | "manual";
}
interface Factor {
  key: string;
  text: string;
}
interface FollowUpRow {
  key: string;
  action: string;
  owner: string;
  /** YYYY-MM-DD; empty for none */
  dueDate: string;
}

type Saved = { version: number; changed: boolean };

/** "2026-11-29T10:04:05" for a datetime-local input showing UTC; empty for an invalid date. */
function utcInputValue(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? "" : new Date(t).toISOString().slice(0, 19);
}

function fromUtcInput(value: string): string {
  const t = Date.parse(`${value}Z`);
  return value === "" || Number.isNaN(t) ? "" : new Date(t).toISOString();
}

/** Entries in time order; those at the same time (or without one) keep their order. */
function inTimeOrder(entries: Entry[]): Entry[] {
  const time = (e: Entry) => Date.parse(e.at);
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (time(a.e) || 0) - (time(b.e) || 0) || a.i - b.i)
    .map(({ e }) => e);
}

/** The first message per field, keyed like "timeline.0.at", without the action's wrapper. */
function fieldMessages(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, message] of Object.entries(fields)) {
    const key = path.replace(/^postmortem\./, "");
    out[key] ??= /^timeline\.\d+\.at$/.test(key) ? "Enter a date and time (UTC)." : message;
  }
  return out;
}

/**
 * The postmortem editor: summary, impact, timeline (filled in from the incident, every entry
 * editable), contributing factors and follow-up actions. Saves go through `save` with the
 * version it was opened at; a conflict asks the person to reload rather than overwrite.
 */
export function PostmortemForm({
  incidentId,
  version: openedAt,
  postmortem,
  newTimelineEntries,
  owners,
  required,
  save,
}: {
  incidentId: string;
  version: number;
  postmortem: PostmortemDraft;
  newTimelineEntries: TimelineEntry[];
  owners: { email: string; name: string }[];
  required: { required: boolean; reasons: string[] };
  save: (input: SavePostmortemInput) => Promise<ActionResult<Saved>>;
}) {
  const router = useRouter();
  const nextKey = useRef(0);
  const key = () => `new-${nextKey.current++}`;
  const [version, setVersion] = useState(openedAt);
  const [summary, setSummary] = useState(postmortem.summary);
  const [impact, setImpact] = useState(postmortem.impact);
  const [entries, setEntries] = useState<Entry[]>(() =>
    postmortem.timeline.map((e, i) => ({ ...e, key: `entry-${i}`, at: e.at.toISOString() })),
  );
  const [factors, setFactors] = useState<Factor[]>(() =>
    postmortem.contributingFactors.map((text, i) => ({ key: `factor-${i}`, text })),
  );
  const [followUps, setFollowUps] = useState<FollowUpRow[]>(() =>
    postmortem.followUps.map((f, i) => ({ ...f, key: `follow-up-${i}`, dueDate: f.dueDate ?? "" })),
  );
  const [offered, setOffered] = useState(newTimelineEntries);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{
    kind: "saved" | "error" | "conflict";
    message: string;
  } | null>(null);
  const [pending, startTransition] = useTransition();

  const input: PostmortemInput = {
    summary,
    impact,
    timeline: entries.map((e) => ({ at: e.at, text: e.text, source: e.source })),
    contributingFactors: factors.map((f) => f.text),
    followUps: followUps.map((f) => ({
      action: f.action,
      owner: f.owner,
      dueDate: f.dueDate === "" ? null : f.dueDate,
    })),
  };
  const snapshot = JSON.stringify(input);
  const [savedSnapshot, setSavedSnapshot] = useState(snapshot);
  const parsed = postmortemDraftSchema.safeParse(input);
  const completeness: PostmortemCompleteness = parsed.success
    ? postmortemComplete(parsed.data)
    : { complete: false, reasons: ["Some entries are not valid yet: see the messages below."] };

  const err = (path: string) => errors[path];
  const described = (id: string, path: string) =>
    errors[path] ? { "aria-invalid": true, "aria-describedby": id } : {};

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!parsed.success) {
      const fields: Record<string, string> = {};
      for (const issue of parsed.error.issues)
        fields[issue.path.join(".") || "_"] ??= issue.message;
      setErrors(fieldMessages(fields));
      setStatus({ kind: "error", message: "Nothing was saved: fix the fields marked below." });
      return;
    }
    setErrors({});
    startTransition(async () => {
      const r = await save({ incidentId, version, postmortem: input });
      if (r.ok) {
        setVersion(r.data.version);
        // The server keeps the timeline in time order: show it as stored.
        const ordered = inTimeOrder(entries);
        setEntries(ordered);
        setSavedSnapshot(
          JSON.stringify({
            ...input,
            timeline: ordered.map((x) => ({ at: x.at, text: x.text, source: x.source })),
          }),
        );
        setStatus({
          kind: "saved",
          message: r.data.changed
            ? `Saved as version ${r.data.version}.`
            : "Nothing had changed since the last save.",
        });
        router.refresh();
      } else if (r.error.code === "CONFLICT") {
        setStatus({ kind: "conflict", message: r.error.message });
      } else {
        setErrors(fieldMessages(r.error.fields ?? {}));
        setStatus({ kind: "error", message: r.error.message });
      }
    });
  }

  const ownerOptions = (current: string) => (
    <>
      <option value="">Choose an owner</option>
      {current && !owners.some((o) => o.email === current) ? (
        <option value={current}>{current}</option>
      ) : null}
      {owners.map((o) => (
        <option key={o.email} value={o.email}>
          {o.name} ({o.email})
        </option>
      ))}
    </>
  );

  return (
    <form aria-label="Postmortem" className="max-w-3xl space-y-6" onSubmit={onSubmit} noValidate>
      <div className="rounded-md border p-3">
        <PostmortemProgress required={required} completeness={completeness} />
      </div>

      <div className="space-y-1">
        <Label htmlFor="pm-summary">Summary</Label>
        <p id="pm-summary-hint" className="text-xs text-muted-foreground">
          What happened, in a few sentences, for someone who was not there.
        </p>
        <textarea
          id="pm-summary"
          className={AREA}
          value={summary}
          onChange={(e) => setSummary(e.target.value)}
          {...described("pm-summary-error", "summary")}
        />
        <FieldError id="pm-summary-error" message={err("summary")} />
      </div>

      <div className="space-y-1">
        <Label htmlFor="pm-impact">Impact</Label>
        <p className="text-xs text-muted-foreground">
          Who was affected and how much: users, requests, SLOs (see the SLO impact above).
        </p>
        <textarea
          id="pm-impact"
          className={AREA}
          value={impact}
          onChange={(e) => setImpact(e.target.value)}
          {...described("pm-impact-error", "impact")}
        />
        <FieldError id="pm-impact-error" message={err("impact")} />
      </div>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Timeline</legend>
        <p className="text-xs text-muted-foreground">
          Filled in from the incident&apos;s record; edit, remove or add entries. Times are UTC.
        </p>
        {offered.length > 0 ? (
          <div className="flex flex-wrap items-center gap-3 rounded-md border border-dashed p-2 text-sm">
            <span>
              {offered.length} incident event{offered.length > 1 ? "s" : ""} since the last save{" "}
              {offered.length > 1 ? "are" : "is"} not in this timeline.
            </span>
            <Button
              type="button"
              size="sm"
              variant="outline"
              onClick={() => {
                setEntries((list) =>
                  inTimeOrder([
                    ...list,
                    ...offered.map((e) => ({ ...e, key: key(), at: e.at.toISOString() })),
                  ]),
                );
                setOffered([]);
              }}
            >
              Add them
            </Button>
          </div>
        ) : null}
        <FieldError id="pm-timeline-error" message={err("timeline")} />
        <ol aria-label="Postmortem timeline" className="space-y-2">
          {entries.map((entry, i) => {
            const n = i + 1;
            const update = (patch: Partial<Entry>) =>
              setEntries((list) => list.map((x) => (x.key === entry.key ? { ...x, ...patch } : x)));
            return (
              <li key={entry.key} className="grid gap-2 sm:grid-cols-[14rem_1fr_auto]">
                <div>
                  <Input
                    type="datetime-local"
                    step={1}
                    aria-label={`Timeline entry ${n} time (UTC)`}
                    value={utcInputValue(entry.at)}
                    onChange={(e) => update({ at: fromUtcInput(e.target.value) })}
                    {...described(`pm-entry-${entry.key}-at-error`, `timeline.${i}.at`)}
                  />
                  <FieldError
                    id={`pm-entry-${entry.key}-at-error`}
                    message={err(`timeline.${i}.at`)}
                  />
                </div>
                <div>
                  <Input
                    aria-label={`Timeline entry ${n} text`}
                    value={entry.text}
                    onChange={(e) => update({ text: e.target.value })}
                    {...described(`pm-entry-${entry.key}-text-error`, `timeline.${i}.text`)}
                  />
                  {entry.source === "auto" ? (
                    <span className="text-xs text-muted-foreground">From the incident record</span>
                  ) : null}
                  <FieldError
                    id={`pm-entry-${entry.key}-text-error`}
                    message={err(`timeline.${i}.text`)}
                  />
                </div>
                <Button
                  type="button"
                  size="icon"
                  variant="ghost"
                  aria-label={`Remove timeline entry ${n}`}
                  onClick={() => setEntries((list) => list.filter((x) => x.key !== entry.key))}
                >
                  <Trash2 aria-hidden="true" />
                </Button>
              </li>
            );
          })}
        </ol>
        <Button
          type="button"
          size="sm"
          variant="outline"
          onClick={() =>
            setEntries((list) => [
              ...list,
              {
                key: key(),
                at: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
                text: "",
                source: "manual",
              },
            ])
          }
        >
          <Plus aria-hidden="true" />
          Add timeline entry
        </Button>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Contributing factors</legend>
        <p className="text-xs text-muted-foreground">
          What made this possible or worse: causes, gaps in detection, missing safeguards.
        </p>
        <FieldError id="pm-factors-error" message={err("contributingFactors")} />
        <ul aria-label="Contributing factors" className="space-y-2">
          {factors.map((factor, i) => (
            <li key={factor.key} className="flex items-start gap-2">
              <div className="flex-1">
                <Input
                  aria-label={`Contributing factor ${i + 1}`}
                  value={factor.text}
                  onChange={(e) =>
                    setFactors((list) =>
                      list.map((x) => (x.key === factor.key ? { ...x, text: e.target.value } : x)),
                    )
                  }
                  {...described(`pm-factor-${factor.key}-error`, `contributingFactors.${i}`)}
                />
                <FieldError
                  id={`pm-factor-${factor.key}-error`}
                  message={err(`contributingFactors.${i}`)}
                />
              </div>
              <Button
                type="button"
                size="icon"
                variant="ghost"
                aria-label={`Remove contributing factor ${i + 1}`}
                onClick={() => setFactors((list) => list.filter((x) => x.key !== factor.key))}
              >
                <Trash2 aria-hidden="true" />
              </Button>
            </li>
          ))}
        </ul>
        <Button
          type="button"
          size="sm"
          variant="outline"
          onClick={() => setFactors((list) => [...list, { key: key(), text: "" }])}
        >
          <Plus aria-hidden="true" />
          Add contributing factor
        </Button>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium">Follow-up actions</legend>
        <p className="text-xs text-muted-foreground">
          Each with an owner who may work incidents and a due date.
        </p>
        <FieldError id="pm-follow-ups-error" message={err("followUps")} />
        <ul aria-label="Follow-up actions" className="space-y-3">
          {followUps.map((f, i) => {
            const n = i + 1;
            const update = (patch: Partial<FollowUpRow>) =>
              setFollowUps((list) => list.map((x) => (x.key === f.key ? { ...x, ...patch } : x)));
            const id = (field: string) => `pm-follow-up-${f.key}-${field}`;
            return (
              <li key={f.key} className="grid gap-2 rounded-md border p-2 sm:grid-cols-[1fr_auto]">
                <div className="grid gap-2 sm:grid-cols-[1fr_14rem_10rem]">
                  <div className="space-y-1">
                    <Label htmlFor={id("action")}>Follow-up {n} action</Label>
                    <Input
                      id={id("action")}
                      value={f.action}
                      onChange={(e) => update({ action: e.target.value })}
                      {...described(id("action-error"), `followUps.${i}.action`)}
                    />
                    <FieldError id={id("action-error")} message={err(`followUps.${i}.action`)} />
                  </div>
                  <div className="space-y-1">
                    <Label htmlFor={id("owner")}>Follow-up {n} owner</Label>
                    <NativeSelect
                      id={id("owner")}
                      className="w-full"
                      value={f.owner}
                      onChange={(e) => update({ owner: e.target.value })}
                      {...described(id("owner-error"), `followUps.${i}.owner`)}
                    >
                      {ownerOptions(f.owner)}
                    </NativeSelect>
                    <FieldError id={id("owner-error")} message={err(`followUps.${i}.owner`)} />
                  </div>
                  <div className="space-y-1">
                    <Label htmlFor={id("due")}>Follow-up {n} due date</Label>
                    <Input
                      id={id("due")}
                      type="date"
                      value={f.dueDate}
                      onChange={(e) => update({ dueDate: e.target.value })}
                      {...described(id("due-error"), `followUps.${i}.dueDate`)}
                    />
                    <FieldError id={id("due-error")} message={err(`followUps.${i}.dueDate`)} />
                  </div>
                </div>
                <Button
                  type="button"
                  size="icon"
                  variant="ghost"
                  className="self-end"
                  aria-label={`Remove follow-up ${n}`}
                  onClick={() => setFollowUps((list) => list.filter((x) => x.key !== f.key))}
                >
                  <Trash2 aria-hidden="true" />
                </Button>
              </li>
            );
          })}
        </ul>
        <Button
          type="button"
          size="sm"
          variant="outline"
          onClick={() =>
            setFollowUps((list) => [...list, { key: key(), action: "", owner: "", dueDate: "" }])
          }
        >
          <Plus aria-hidden="true" />
          Add follow-up
        </Button>
      </fieldset>

      <div className="flex flex-wrap items-center gap-3 border-t pt-4">
        <Button type="submit" disabled={pending || status?.kind === "conflict"}>
          {pending ? "Saving…" : "Save postmortem"}
        </Button>
        <span role="status" aria-live="polite" className="text-sm text-muted-foreground">
          {pending
            ? ""
            : status?.kind === "saved" && snapshot === savedSnapshot
              ? status.message
              : snapshot !== savedSnapshot
                ? "Unsaved changes."
                : version === 0
                  ? "Not saved yet."
                  : `Version ${version} saved.`}
        </span>
      </div>
      {status && status.kind !== "saved" ? (
        <div role="alert" className="space-y-2">
          <p className={ERROR}>{status.message}</p>
          {status.kind === "conflict" ? (
            <Button
              type="button"
              size="sm"
              variant="outline"
              onClick={() => window.location.reload()}
            >
              Reload the latest version
            </Button>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
