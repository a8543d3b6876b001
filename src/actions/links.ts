"use server";

import { defineAction } from "@/actions/safe-action";
import { addLinkSchema, removeLinkSchema } from "@/lib/schemas/links";
import { addLink, removeLink } from "@/server/models/links";

// The chain checks that the caller may read; the service checks the subject's own rule (a
// model's release managers, an SLO's editors, admins) and audits a refusal.
export const addLinkAction = defineAction({
  name: "link.create",
  permission: "fleet.read",
  input: addLinkSchema,
  target: (i) => ({ type: i.subjectKind, id: i.subject }),
  run: ({ actor, meta, input }) => addLink(actor, meta, input),
});

export const removeLinkAction = defineAction({
  name: "link.delete",
  permission: "fleet.read",
  input: removeLinkSchema,
  target: (i) => ({ type: "link", id: i.linkId }),
  run: ({ actor, meta, input }) => removeLink(actor, meta, input),
});
