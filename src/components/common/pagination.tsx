import Link from "next/link";
import { ChevronLeft, ChevronRight } from "lucide-react";
import { buttonVariants } from "@/components/ui/button";
import { cn } from "@/lib/utils";
import { hrefWith, omit, type QueryParams } from "./search-params";

/** Server-side pagination links that keep every other URL filter. */
export function Pagination({
  page,
  pageCount,
  total,
  totalIsLowerBound = false,
  pageSize,
  basePath,
  params,
}: {
  page: number;
  pageCount: number;
  total: number;
  /** the count stopped early: say "more than", and no last page */
  totalIsLowerBound?: boolean;
  pageSize: number;
  basePath: string;
  params: QueryParams;
}) {
  const href = (p: number) =>
    hrefWith(basePath, { ...omit(params, ["page"]), page: p > 1 ? String(p) : undefined });
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const linkClass = buttonVariants({ variant: "outline", size: "sm" });
  return (
    <nav aria-label="Pagination" className="mt-3 flex items-center justify-between text-sm">
      <p className="text-muted-foreground" data-testid="page-summary">
        {first}–{last} of{" "}
        {totalIsLowerBound ? `more than ${(total - 1).toLocaleString("en")}` : total}
      </p>
      <div className="flex items-center gap-2">
        {page > 1 ? (
          <Link href={href(page - 1)} className={linkClass} rel="prev">
            <ChevronLeft aria-hidden="true" /> Previous
          </Link>
        ) : (
          <span className={cn(linkClass, "pointer-events-none opacity-50")} aria-disabled="true">
            <ChevronLeft aria-hidden="true" /> Previous
          </span>
        )}
        <span className="tabular-nums text-muted-foreground">
          {totalIsLowerBound ? `Page ${page}` : `Page ${page} of ${pageCount}`}
        </span>
        {page < pageCount ? (
          <Link href={href(page + 1)} className={linkClass} rel="next">
            Next <ChevronRight aria-hidden="true" />
          </Link>
        ) : (
          <span className={cn(linkClass, "pointer-events-none opacity-50")} aria-disabled="true">
            Next <ChevronRight aria-hidden="true" />
          </span>
        )}
      </div>
    </nav>
  );
}
