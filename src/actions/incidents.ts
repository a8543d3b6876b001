"use server";

import { defineAction } from "@/actions/safe-action";
import {
  actOnChangeSchema,
  addIncidentNoteSchema,
  assignIncidentRolesSchema,
  declareIncidentSchema,
  transitionIncidentSchema,
} from "@/lib/schemas/incidents";
import {
  addIncidentNote,
  assignIncidentRoles,
  transitionIncident,
} from "@/server/incidents/lifecycle";
import { declareIncident } from "@/server/incidents/declare";
import { actOnIncidentChange } from "@/server/incidents/act-on-change";

const target = (i: { incidentId: string }) => ({ type: "incident", id: i.incidentId });
const PATHS = ["/incidents", "/"];

export const declareIncidentAction = defineAction({
  name: "incident.declare",
  permission: "incident.work",
  input: declareIncidentSchema,
  target: () => ({ type: "incident" }),
  run: ({ actor, meta, input }) => declareIncident(actor, meta, input),
  revalidate: PATHS,
});

export const transitionIncidentAction = defineAction({
  name: "incident.transition",
  permission: "incident.work",
  input: transitionIncidentSchema,
  target,
  run: ({ actor, meta, input }) => transitionIncident(actor, meta, input),
  revalidate: PATHS,
});

export const assignIncidentRolesAction = defineAction({
  name: "incident.assign",
  permission: "incident.work",
  input: assignIncidentRolesSchema,
  target,
  run: ({ actor, meta, input }) => assignIncidentRoles(actor, meta, input),
  revalidate: PATHS,
});

export const addIncidentNoteAction = defineAction({
  name: "incident.note",
  permission: "incident.work",
  input: addIncidentNoteSchema,
  target,
  run: ({ actor, meta, input }) => addIncidentNote(actor, meta, input),
  revalidate: PATHS,
});

/** Abort or roll back a suspected rollout from the incident's "What changed?". */
export const actOnIncidentChangeAction = defineAction({
  name: "incident.act_on_change",
  permission: "rollout.operate",
  input: actOnChangeSchema,
  target,
  run: ({ actor, meta, input }) => actOnIncidentChange(actor, meta, input),
  revalidate: [...PATHS, "/rollouts"],
});
