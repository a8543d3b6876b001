import * as React from "react";
import { cn } from "@/lib/utils";

/** The classes of a styled native select, with `className`'s merged over them. */
function nativeSelectClassName(className?: string) {
  return cn(
    "h-9 rounded-md border border-input bg-background px-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring disabled:opacity-50",
    className,
  );
}

/** A styled native <select>: keyboard and screen-reader behaviour come from the browser. */
function NativeSelect({ className, ...props }: React.SelectHTMLAttributes<HTMLSelectElement>) {
  return <select className={nativeSelectClassName(className)} {...props} />;
}

export { NativeSelect, nativeSelectClassName };
