import Link from "next/link";
import { Button, buttonVariants } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/native-select";
import { cn } from "@/lib/utils";
import { hrefWith, omit, type QueryParams } from "./search-params";

/** A choice and its label; a plain string is its own label. */
export type FilterOption = string | { value: string; label: string };

export interface ListFilter {
  kind: "select" | "links";
  /** the query parameter */
  name: string;
  label: string;
  value: string | undefined;
  options: { value: string; label: string }[];
  /** a drop-down's first option, meaning no filter */
  any?: string;
}

const optionsOf = (options: readonly FilterOption[]) =>
  options.map((o) => (typeof o === "string" ? { value: o, label: o } : o));

/** A drop-down, applied with the Filter button; `any` labels its first option, no filter. */
export function selectFilter(
  name: string,
  label: string,
  value: string | undefined,
  options: readonly FilterOption[],
  any?: string,
): ListFilter {
  return { kind: "select", name, label, value, options: optionsOf(options), any };
}

/** A few choices side by side, each a link that applies at once; the current one is marked. */
export function linkFilter(
  name: string,
  label: string,
  value: string,
  options: readonly FilterOption[],
): ListFilter {
  return { kind: "links", name, label, value, options: optionsOf(options) };
}

/**
 * The filters of a list page, all in the URL: a GET form, so a link shares the same view and
 * the browser's back button undoes a change. Everything else in the URL is kept (the fleet
 * filter's region and environment), except the page: a change of filter starts at page 1,
 * unless `keepPage` (choices that do not filter the list below). "Clear" drops this control's
 * own parameters.
 */
export function ListFilters({
  label,
  basePath,
  params,
  filters,
  keepPage = false,
  className,
}: {
  /** the form's accessible name, e.g. "Filter rollouts" */
  label: string;
  basePath: string;
  params: QueryParams;
  filters: ListFilter[];
  keepPage?: boolean;
  className?: string;
}) {
  const kept = keepPage ? params : omit(params, ["page"]);
  const selects = filters.filter((f) => f.kind === "select").map((f) => f.name);
  const hidden = Object.entries(omit(kept, selects)).filter(
    (e): e is [string, string] => e[1] !== undefined && e[1] !== "",
  );
  const caption = "text-xs text-muted-foreground";
  return (
    <form
      method="get"
      action={basePath}
      aria-label={label}
      className={cn("flex flex-wrap items-end gap-2", className)}
    >
      {hidden.map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {filters.map((f) =>
        f.kind === "select" ? (
          <div key={f.name} className="flex flex-col gap-1">
            <label htmlFor={`filter-${f.name}`} className={caption}>
              {f.label}
            </label>
            <NativeSelect id={`filter-${f.name}`} name={f.name} defaultValue={f.value ?? ""}>
              {f.any !== undefined ? <option value="">{f.any}</option> : null}
              {f.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </NativeSelect>
          </div>
        ) : (
          <div key={f.name} className="flex flex-col gap-1">
            <span id={`filter-${f.name}`} className={caption}>
              {f.label}
            </span>
            <div
              role="group"
              aria-labelledby={`filter-${f.name}`}
              className="inline-flex overflow-hidden rounded-md border"
            >
              {f.options.map((o) => (
                <Link
                  key={o.value}
                  href={hrefWith(basePath, { ...kept, [f.name]: o.value })}
                  aria-current={o.value === f.value ? "true" : undefined}
                  className={cn(
                    "border-l px-3 py-1.5 text-xs font-medium first:border-l-0",
                    o.value === f.value
                      ? "bg-primary text-primary-foreground"
                      : "bg-background hover:bg-accent hover:text-accent-foreground",
                  )}
                >
                  {o.label}
                </Link>
              ))}
            </div>
          </div>
        ),
      )}
      <Button type="submit" size="sm" variant="outline">
        Filter
      </Button>
      <Link
        href={hrefWith(
          basePath,
          omit(
            kept,
            filters.map((f) => f.name),
          ),
        )}
        className={buttonVariants({ variant: "ghost", size: "sm" })}
      >
        Clear
      </Link>
    </form>
  );
}
