"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/schemas/result";
import type { TimeZonePreferenceInput } from "@/lib/schemas/preferences";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";

/** Chooses the zone times are shown in: UTC, the browser's, or any other. */
export function TimeZoneForm({
  current,
  zones,
  save,
}: {
  /** the user's zone, or "UTC" */
  current: string;
  zones: readonly string[];
  save: (input: TimeZonePreferenceInput) => Promise<ActionResult<unknown>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [zone, setZone] = useState(current);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const browser =
    typeof Intl === "undefined" ? null : Intl.DateTimeFormat().resolvedOptions().timeZone;
  const submit = (timeZone: string) =>
    startTransition(async () => {
      const r = await save({ timeZone });
      setMessage(
        r.ok
          ? { ok: true, text: `Times are now shown in ${timeZone}.` }
          : { ok: false, text: r.error.message },
      );
      if (r.ok) {
        setZone(timeZone);
        router.refresh();
      }
    });
  return (
    <form
      aria-label="Time zone"
      className="flex max-w-xl flex-wrap items-end gap-2"
      onSubmit={(e) => {
        e.preventDefault();
        submit(zone);
      }}
    >
      <div className="space-y-1">
        <Label htmlFor="time-zone">Show times in</Label>
        <NativeSelect id="time-zone" value={zone} onChange={(e) => setZone(e.target.value)}>
          <option value="UTC">UTC (default)</option>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </NativeSelect>
      </div>
      <Button type="submit" size="sm" disabled={pending}>
        Save
      </Button>
      {browser && browser !== zone && browser !== "UTC" ? (
        <Button
          type="button"
          size="sm"
          variant="outline"
          disabled={pending}
          onClick={() => submit(browser)}
        >
          Use this browser&apos;s zone ({browser})
        </Button>
      ) : null}
      {zone !== "UTC" ? (
        <Button
          type="button"
          size="sm"
          variant="ghost"
          disabled={pending}
          onClick={() => submit("UTC")}
        >
          Back to UTC
        </Button>
      ) : null}
      <p
        role={message && !message.ok ? "alert" : "status"}
        className={`w-full text-sm ${message && !message.ok ? "text-red-700 dark:text-red-300" : "text-muted-foreground"}`}
      >
        {message?.text ?? ""}
      </p>
    </form>
  );
}
