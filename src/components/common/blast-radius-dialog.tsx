"use client";

import { useEffect, useId, useRef, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export interface ReasonField {
  value: string;
  onChange: (value: string) => void;
  /** the whole label, e.g. "Reason (optional)" */
  label: string;
  required?: boolean;
  minLength?: number;
  placeholder?: string;
}

/**
 * The confirmation before anything moves traffic (abort, promote, roll back, …): a modal
 * dialog that states the blast radius, may ask for a reason, and names the action on its
 * confirm button ("Confirm: abort"), so a tired on-call engineer reads what they agree to.
 * Controlled: `open` shows it; Escape and Cancel call `onClose`.
 */
export function BlastRadiusDialog({
  open,
  onClose,
  title,
  blastRadius,
  action,
  destructive,
  reason,
  pending,
  error,
  onConfirm,
  children,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  blastRadius: string;
  /** the action in lower case, for the confirm button */
  action: string;
  destructive: boolean;
  /** omitted when the action takes no reason */
  reason?: ReasonField;
  pending: boolean;
  error: string | null;
  onConfirm: () => void;
  /** further choices, shown between the blast radius and the reason */
  children?: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = dialog.current;
    if (open && !d?.open) {
      d?.showModal();
      d?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    }
    if (!open && d?.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={dialog}
      aria-labelledby={`${id}-title`}
      className="w-[32rem] max-w-[95vw] rounded-lg border bg-card p-5 text-card-foreground shadow-lg backdrop:bg-black/40"
      onClose={onClose}
    >
      {open ? (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            onConfirm();
          }}
          className="space-y-3"
        >
          <h2 id={`${id}-title`} className="text-base font-semibold">
            {title}
          </h2>
          <div className="rounded-md border bg-muted/50 p-3 text-sm" data-testid="blast-radius">
            <div className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted-foreground">
              Blast radius
            </div>
            {blastRadius}
          </div>
          {children}
          {reason ? (
            <div className="flex flex-col gap-1.5">
              <Label htmlFor={`${id}-reason`}>{reason.label}</Label>
              <Input
                id={`${id}-reason`}
                data-autofocus=""
                value={reason.value}
                required={reason.required}
                minLength={reason.minLength}
                maxLength={500}
                placeholder={reason.placeholder}
                onChange={(e) => reason.onChange(e.target.value)}
              />
            </div>
          ) : null}
          {error ? (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {error}
            </p>
          ) : null}
          <div className="flex justify-end gap-2">
            <Button type="button" variant="outline" onClick={onClose}>
              Cancel
            </Button>
            <Button
              type="submit"
              // the keyboard starts on the reason when there is one; otherwise on Confirm for a
              // step that takes no risk out, and on Cancel (the first button) for one that does
              data-autofocus={!reason && !destructive ? "" : undefined}
              disabled={pending}
              variant={destructive ? "destructive" : "default"}
            >
              {pending ? "Working…" : `Confirm: ${action}`}
            </Button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
