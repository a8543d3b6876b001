"use server";

import { defineAction } from "@/actions/safe-action";
import { savePostmortemSchema } from "@/lib/domain/incidents/postmortem-edit";
import { savePostmortem } from "@/server/incidents/postmortems";

export const savePostmortemAction = defineAction({
  name: "incident.postmortem",
  permission: "incident.work",
  input: savePostmortemSchema,
  target: (i) => ({ type: "incident", id: i.incidentId }),
  run: ({ actor, meta, input }) => savePostmortem(actor, meta, input),
  revalidate: ["/incidents", "/"],
});
