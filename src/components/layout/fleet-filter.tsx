"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTransition } from "react";

/**
 * Region and environment filter, kept in the URL so a link shares the same view. The selects'
 * classes come from the server (the layout), which keeps the class merging of the UI kit out of
 * every page's JavaScript.
 */
export function FleetFilter({
  regions,
  selectClassName,
}: {
  regions: { code: string; name: string }[];
  selectClassName: string;
}) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [pending, startTransition] = useTransition();

  const update = (key: "region" | "env", value: string) => {
    const next = new URLSearchParams(params.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("page");
    const q = next.toString();
    startTransition(() => router.push(q ? `${pathname}?${q}` : pathname));
  };

  return (
    <div className="flex items-center gap-2" aria-busy={pending}>
      <label className="sr-only" htmlFor="filter-region">
        Region
      </label>
      <select
        className={selectClassName}
        id="filter-region"
        value={params.get("region") ?? ""}
        onChange={(e) => update("region", e.target.value)}
      >
        <option value="">All regions</option>
        {regions.map((r) => (
          <option key={r.code} value={r.code}>
            {r.code}
          </option>
        ))}
      </select>
      <label className="sr-only" htmlFor="filter-env">
        Environment
      </label>
      <select
        className={selectClassName}
        id="filter-env"
        value={params.get("env") ?? ""}
        onChange={(e) => update("env", e.target.value)}
      >
        <option value="">All environments</option>
        <option value="staging">staging</option>
        <option value="production">production</option>
      </select>
    </div>
  );
}
