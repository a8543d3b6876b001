"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useTransition } from "react";
import { NativeSelect } from "@/components/ui/native-select";

/** Region and environment filter, kept in the URL so a link shares the same view. */
export function FleetFilter({ regions }: { regions: { code: string; name: string }[] }) {
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
      <NativeSelect
        className="h-8"
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
      </NativeSelect>
      <label className="sr-only" htmlFor="filter-env">
        Environment
      </label>
      <NativeSelect
        className="h-8"
        id="filter-env"

        value={params.get("env") ?? ""}
        onChange={(e) => update("env", e.target.value)}
      >
        <option value="">All environments</option>
        <option value="staging">staging</option>
        <option value="production">production</option>
      </NativeSelect>
    </div>
  );
}
