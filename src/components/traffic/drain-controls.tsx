"use client";

import type { ActionResult } from "@/lib/schemas/result";
import type { DrainCommandInput } from "@/lib/schemas/traffic";
import { ActionButton } from "@/components/common/action-button";

/** Pause, resume and undrain (abort while draining): each decided on the version shown. */
export function DrainControls({
  drainId,
  version,
  region,
  phase,
  paused,
  command,
}: {
  drainId: string;
  version: number;
  region: string;
  phase: "draining" | "drained" | "undraining" | "undrained";
  paused: boolean;
  command: (input: DrainCommandInput) => Promise<ActionResult<unknown>>;
}) {
  if (phase === "undrained") return null;
  const input = (c: DrainCommandInput["command"]): DrainCommandInput => ({
    drainId,
    command: c,
    expectedVersion: version,
  });
  return (
    <div className="flex flex-wrap items-center gap-2" aria-label="Drain controls" role="group">
      {phase !== "drained" ? (
        paused ? (
          <ActionButton action={command} input={input("resume")} label="Resume" />
        ) : (
          <ActionButton action={command} input={input("pause")} label="Pause" />
        )
      ) : null}
      {phase === "draining" || phase === "drained" ? (
        <ActionButton
          action={command}
          input={input("undrain")}
          label={phase === "draining" ? "Abort and undrain" : "Undrain"}
          variant={phase === "draining" ? "destructive" : "default"}
          confirm={`Bring ${region}'s traffic back, step by step?`}
        />
      ) : null}
    </div>
  );
}
