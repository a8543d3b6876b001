import * as React from "react";
import { cva, type VariantProps } from "class-variance-authority";
import { cn } from "@/lib/utils";

const badgeVariants = cva(
  "inline-flex items-center gap-1 rounded-md border px-2 py-0.5 text-xs font-medium [&_svg]:size-3.5",
  {
    variants: {
      tone: {
        neutral: "border-border bg-muted text-foreground",
        good: "border-emerald-600/30 bg-emerald-500/10 text-emerald-800 dark:text-emerald-300",
        warn: "border-amber-600/40 bg-amber-500/10 text-amber-900 dark:text-amber-300",
        bad: "border-red-600/40 bg-red-500/10 text-red-800 dark:text-red-300",
        info: "border-sky-600/30 bg-sky-500/10 text-sky-800 dark:text-sky-300",
      },
    },
    defaultVariants: { tone: "neutral" },
  },
);

export interface BadgeProps
  extends React.HTMLAttributes<HTMLSpanElement>, VariantProps<typeof badgeVariants> {}

function Badge({ className, tone, ...props }: BadgeProps) {
  return <span className={cn(badgeVariants({ tone }), className)} {...props} />;
}

export { Badge, badgeVariants };
