import type { ActionResult } from "@/lib/schemas/result";
import type { AddLinkInput, RemoveLinkData } from "@/lib/schemas/links";
import type { LinkSubjectKind } from "@/lib/domain/models/link-templates";
import { ActionButton } from "@/components/common/action-button";
import { LinksList } from "./links-list";
import { AddLinkForm } from "./link-editor";

/**
 * A model's or an SLO's links out: the rendered links, and for those who may change them, the
 * templates with Remove and a form to add one.
 */
export function LinksSection({
  subjectKind,
  subject,
  links,
  templates,
  edit,
}: {
  subjectKind: LinkSubjectKind;
  subject: string;
  links: { key: string; label: string; url: string }[];
  templates: { id: string; label: string; urlTemplate: string }[];
  edit: {
    add: (input: AddLinkInput) => Promise<ActionResult<unknown>>;
    remove: (input: RemoveLinkData) => Promise<ActionResult<unknown>>;
  } | null;
}) {
  return (
    <section aria-labelledby="links-heading" className="mb-6">
      <h2 id="links-heading" className="mb-2 text-base font-semibold">
        Links
      </h2>
      <LinksList
        links={links}
        empty={`No dashboards or runbooks linked${edit ? ": add one below" : ""}.`}
      />
      {edit && templates.length > 0 ? (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-muted-foreground">Edit links</summary>
          <ul className="mt-2 space-y-1">
            {templates.map((t) => (
              <li key={t.id} className="flex flex-wrap items-center gap-2">
                <span className="font-medium">{t.label}</span>
                <code className="break-all text-xs text-muted-foreground">{t.urlTemplate}</code>
                <ActionButton
                  action={edit.remove}
                  input={{ linkId: t.id }}
                  label={`Remove ${t.label}`}
                  confirm={`Remove the link "${t.label}"?`}
                />
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {edit ? <AddLinkForm subjectKind={subjectKind} subject={subject} add={edit.add} /> : null}
    </section>
  );
}
