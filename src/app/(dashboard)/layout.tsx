import type { ReactNode } from "react";
import { Suspense } from "react";
import Link from "next/link";
import { ZoneProvider } from "@/components/common/zone-context";
import { redirect } from "next/navigation";
import { __iconData as logOut } from "lucide-react/icons/log-out";
import { __iconData as moon } from "lucide-react/icons/moon";
import { __iconData as planeTakeoff } from "lucide-react/icons/plane-takeoff";
import { __iconData as search } from "lucide-react/icons/search";
import { __iconData as sun } from "lucide-react/icons/sun";
import { drawing, SvgIcon } from "@/components/common/svg-icon";
import { getActor } from "@/server/auth/session";
import { listRegions } from "@/server/fleet/overview";
import { platformStatus } from "@/server/fleet/platform";
import { pendingApprovalCount } from "@/server/promotions/queries";
import { PlatformIndicator } from "@/components/platform/platform-indicator";
import { signOutAction } from "@/actions/auth";
import { ROLE_LABELS } from "@/lib/domain/access/roles";
import { roleHas } from "@/lib/domain/access/policy";
import { SidebarNav } from "@/components/layout/sidebar-nav";
import { FleetFilter } from "@/components/layout/fleet-filter";
import { ThemeToggle } from "@/components/layout/theme-toggle";
import { ShellKeyboard } from "@/components/layout/shell-keyboard";
import { OPEN_PALETTE } from "@/lib/domain/navigation/shortcuts";
import { Button, buttonVariants } from "@/components/ui/button";
import { nativeSelectClassName } from "@/components/ui/native-select";
import { navIcons } from "@/components/layout/nav-icons";

// The shell's icons, on every page: drawn by the server (SvgIcon).
const LOG_OUT = drawing(logOut);
const MOON = drawing(moon);
const PLANE_TAKEOFF = drawing(planeTakeoff);
const SEARCH = drawing(search);
const SUN = drawing(sun);

function SignOutButton() {
  return (
    <form action={signOutAction}>
      <Button type="submit" variant="ghost" size="sm">
        <SvgIcon icon={LOG_OUT} aria-hidden="true" /> Sign out
      </Button>
    </form>
  );
}

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const actor = await getActor();
  if (!actor) redirect("/sign-in");

  if (!actor.role) redirect("/no-access");

  const [regions, platform, awaiting] = await Promise.all([
    listRegions(actor),
    platformStatus(actor),
    pendingApprovalCount(actor),
  ]);
  const showAdmin = roleHas(actor.role, "user.manage");
  const badges = { "/promotions": awaiting };
  const icons = navIcons();
  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-background focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <aside className="hidden w-56 shrink-0 flex-col gap-4 border-r bg-sidebar p-3 md:flex print:hidden">
        <Link href="/" className="flex items-center gap-2 px-3 py-2 font-semibold">
          <SvgIcon icon={PLANE_TAKEOFF} className="size-5 text-primary" aria-hidden="true" />
          Flightdeck
        </Link>
        <Suspense>
          <SidebarNav icons={icons} showAdmin={showAdmin} badges={badges} />
        </Suspense>
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex flex-wrap items-center justify-between gap-3 border-b px-4 py-2 print:hidden">
          <div className="flex flex-wrap items-center gap-3">
            <button
              type="button"
              {...{ [OPEN_PALETTE]: "" }}
              className="flex h-8 items-center gap-2 rounded-md border bg-background px-2 text-sm text-muted-foreground hover:bg-muted"
              aria-keyshortcuts="Control+K Meta+K"
              data-testid="open-palette"
            >
              <SvgIcon icon={SEARCH} className="size-4" aria-hidden="true" />
              <span>Search or jump to…</span>
              <kbd className="rounded border bg-muted px-1 font-mono text-[0.7rem]">Ctrl K</kbd>
            </button>
            <ShellKeyboard />
            <Suspense>
              <FleetFilter regions={regions} selectClassName={nativeSelectClassName("h-8")} />
            </Suspense>
          </div>
          <div className="flex items-center gap-3">
            <PlatformIndicator {...platform} />
            <div className="text-right text-sm leading-tight" data-testid="current-user">
              <Link
                href="/settings"
                className="font-medium underline-offset-2 hover:underline"
                title="Your settings (time zone)"
              >
                {actor.name}
              </Link>
              <div className="text-xs text-muted-foreground">
                <span data-testid="current-role">{ROLE_LABELS[actor.role]}</span>
                {actor.teamName ? ` · ${actor.teamName}` : ""}
              </div>
            </div>
            <ThemeToggle className={buttonVariants({ variant: "ghost", size: "icon" })}>
              <SvgIcon icon={SUN} className="hidden dark:block" aria-hidden="true" />
              <SvgIcon icon={MOON} className="block dark:hidden" aria-hidden="true" />
            </ThemeToggle>
            <SignOutButton />
          </div>
        </header>
        <div className="border-b px-4 py-2 md:hidden print:hidden">
          <Suspense>
            <SidebarNav icons={icons} showAdmin={showAdmin} badges={badges} />
          </Suspense>
        </div>
        <main id="main" className="flex-1 p-4 md:p-6">
          <ZoneProvider zone={actor.timeZone ?? "UTC"}>{children}</ZoneProvider>
        </main>
      </div>
    </div>
  );
}
