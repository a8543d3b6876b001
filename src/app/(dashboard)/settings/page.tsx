import type { Metadata } from "next";
import { clock } from "@/lib/clock";
import { requirePageActor } from "@/server/auth/page";
import { setTimeZoneAction } from "@/actions/preferences";
import { PageHeader } from "@/components/common/page-header";
import { TimeAgo } from "@/components/common/time-ago";
import { TimeZoneForm } from "@/components/settings/time-zone-form";

export const metadata: Metadata = { title: "Your settings" };

export default async function SettingsPage() {
  const actor = await requirePageActor();
  const now = clock.now();
  return (
    <>
      <PageHeader title="Your settings" description={`${actor.name} · ${actor.email}`} />
      <section aria-labelledby="time-heading" className="space-y-2">
        <h2 id="time-heading" className="text-base font-semibold">
          Time zone
        </h2>
        <p className="max-w-2xl text-sm text-muted-foreground">
          Times on every page are shown relative (&ldquo;3 minutes ago&rdquo;) and absolute in this
          zone, labelled with it; hovering a time shows it in UTC. CSV exports and the API stay in
          UTC.
        </p>
        <div className="text-sm" data-testid="time-example">
          Now: <TimeAgo date={now} now={now} />
        </div>
        <TimeZoneForm
          current={actor.timeZone ?? "UTC"}
          zones={Intl.supportedValuesOf("timeZone")}
          save={setTimeZoneAction}
        />
      </section>
    </>
  );
}
