"use server";

import { defineAction } from "@/actions/safe-action";
import { timeZonePreferenceSchema } from "@/lib/schemas/preferences";
import { setTimeZonePreference } from "@/server/access/preferences";

export const setTimeZoneAction = defineAction({
  name: "user.preferences",
  permission: "fleet.read",
  input: timeZonePreferenceSchema,
  target: () => ({ type: "user" }),
  run: ({ actor, meta, input }) => setTimeZonePreference(actor, meta, input),
  revalidate: ["/", "/settings"],
});
