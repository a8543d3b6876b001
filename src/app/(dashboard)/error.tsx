"use client";

import { BUTTON_BASE, BUTTON_SIZES, BUTTON_VARIANTS } from "@/components/ui/button-styles";
import { SvgIcon, type IconDrawing } from "@/components/common/svg-icon";

/** lucide's triangle-alert, drawn here: importing it from lucide-react would ship the library. */
const TRIANGLE_ALERT: IconDrawing = {
  name: "triangle-alert",
  node: [
    ["path", { d: "m21.73 18-8-14a2 2 0 0 0-3.48 0l-8 14A2 2 0 0 0 4 21h16a2 2 0 0 0 1.73-3" }],
    ["path", { d: "M12 9v4" }],
    ["path", { d: "M12 17h.01" }],
  ],
};

/**
 * Every page loads this boundary's code, so it draws its icon from its own drawing (SvgIcon)
 * and styles its button with the plain classes, instead of importing the icon library and the
 * `Button` component.
 */
export default function SectionError({
  error,
  reset,
}: {
  error: Error & { digest?: string };
  reset: () => void;
}) {
  return (
    <div role="alert" className="mx-auto mt-10 max-w-lg rounded-lg border bg-card p-6 text-center">
      <SvgIcon icon={TRIANGLE_ALERT} className="mx-auto mb-2 size-8 text-amber-600" />
      <h1 className="text-lg font-semibold">This page could not load</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        The server could not answer. The data may be temporarily unavailable.
        {error.digest ? ` Reference: ${error.digest}.` : ""}
      </p>
      <button
        type="button"
        className={`${BUTTON_BASE} ${BUTTON_VARIANTS.default} ${BUTTON_SIZES.default} mt-4`}
        onClick={reset}
      >
        Try again
      </button>
    </div>
  );
}
