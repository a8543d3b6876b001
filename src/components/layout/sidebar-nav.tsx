"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import type { ReactNode } from "react";
import { clsx } from "clsx";
import { ADMIN_ITEMS, NAV_ITEMS, type NavIcon } from "@/components/layout/nav-items";
import { fleetFilterQuery } from "@/lib/domain/navigation/fleet-filter";

type Item = (typeof NAV_ITEMS)[number] | (typeof ADMIN_ITEMS)[number];

/**
 * Section links keep the region/environment filter so a shared context follows the user.
 * `badges` counts what waits for the user in a section (promotions to approve). `icons` are
 * drawn by the server (`navIcons`), so the icon library stays out of the page's JavaScript.
 */
export function SidebarNav({
  icons,
  showAdmin = false,
  badges = {},
}: {
  icons: Record<NavIcon, ReactNode>;
  showAdmin?: boolean;
  badges?: Partial<Record<Item["href"], number>>;
}) {
  const pathname = usePathname();
  const params = useSearchParams();
  const suffix = fleetFilterQuery(params);
  const link = (item: Item) => {
    const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
    return (
      <Link
        key={item.href}
        href={`${item.href}${suffix}`}
        aria-current={active ? "page" : undefined}
        className={clsx(
          "flex items-center gap-2 rounded-md px-3 py-2 text-sm text-muted-foreground hover:bg-accent hover:text-accent-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
          active && "bg-accent font-medium text-foreground",
        )}
      >
        {icons[item.icon]}
        {item.label}
        {badges[item.href] ? (
          <span
            className="ml-auto rounded-full bg-primary px-1.5 text-xs font-medium tabular-nums text-primary-foreground"
            data-testid={`nav-badge-${item.icon}`}
          >
            {badges[item.href]}
            <span className="sr-only"> waiting for you</span>
          </span>
        ) : null}
      </Link>
    );
  };
  return (
    <nav aria-label="Sections" className="flex flex-col gap-0.5">
      {NAV_ITEMS.map(link)}
      {showAdmin ? (
        <>
          <p className="mt-4 px-3 pb-1 text-xs font-semibold uppercase tracking-wide text-muted-foreground">
            Admin
          </p>
          {ADMIN_ITEMS.map(link)}
        </>
      ) : null}
    </nav>
  );
}
