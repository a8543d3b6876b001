import type { ReactNode } from "react";
import type { PostmortemDraft } from "@/lib/domain/incidents/postmortem";
import { formatAbsolute } from "@/components/common/time-ago";

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="space-y-1">
      <h2 className="text-sm font-semibold">{title}</h2>
      {children}
    </section>
  );
}

const NONE = <p className="text-sm text-muted-foreground">Not written.</p>;

/** A saved postmortem as a document, for those who may not (or may no longer) edit it. */
export function PostmortemDocument({ postmortem }: { postmortem: PostmortemDraft }) {
  const factors = postmortem.contributingFactors.filter((f) => f.trim() !== "");
  return (
    <article aria-label="Postmortem" className="max-w-3xl space-y-5">
      <Section title="Summary">
        {postmortem.summary ? (
          <p className="whitespace-pre-wrap text-sm">{postmortem.summary}</p>
        ) : (
          NONE
        )}
      </Section>
      <Section title="Impact">
        {postmortem.impact ? (
          <p className="whitespace-pre-wrap text-sm">{postmortem.impact}</p>
        ) : (
          NONE
        )}
      </Section>
      <Section title="Timeline">
        {postmortem.timeline.length === 0 ? (
          NONE
        ) : (
          <ol aria-label="Postmortem timeline" className="space-y-1 text-sm">
            {postmortem.timeline.map((e, i) => (
              <li key={i} className="flex gap-3">
                <time dateTime={e.at.toISOString()} className="shrink-0 tabular-nums">
                  {formatAbsolute(e.at)}
                </time>
                <span className="whitespace-pre-wrap">{e.text}</span>
              </li>
            ))}
          </ol>
        )}
      </Section>
      <Section title="Contributing factors">
        {factors.length === 0 ? (
          NONE
        ) : (
          <ul className="list-disc space-y-1 pl-5 text-sm">
            {factors.map((f, i) => (
              <li key={i}>{f}</li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Follow-up actions">
        {postmortem.followUps.length === 0 ? (
          NONE
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-muted-foreground">
              <tr>
                <th className="py-1 font-medium">Action</th>
                <th className="py-1 font-medium">Owner</th>
                <th className="py-1 font-medium">Due</th>
              </tr>
            </thead>
            <tbody>
              {postmortem.followUps.map((f, i) => (
                <tr key={i} className="border-t">
                  <td className="py-1 pr-3">{f.action || "—"}</td>
                  <td className="py-1 pr-3">{f.owner || "Nobody yet"}</td>
                  <td className="py-1 tabular-nums">{f.dueDate ?? "No date"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </article>
  );
}
