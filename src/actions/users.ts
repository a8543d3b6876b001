"use server";

import { defineAction } from "@/actions/safe-action";
import { createUserSchema, setUserDisabledSchema, updateUserSchema } from "@/lib/schemas/users";
import { createUser, setUserDisabled, updateUser } from "@/server/access/users";

export const createUserAction = defineAction({
  name: "user.create",
  permission: "user.manage",
  input: createUserSchema,
  target: (i) => ({ type: "user", id: i.email }),
  run: ({ actor, meta, input }) => createUser(actor, meta, input),
  revalidate: ["/admin/users"],
});

export const updateUserAction = defineAction({
  name: "user.update",
  permission: "user.manage",
  input: updateUserSchema,
  target: (i) => ({ type: "user", id: i.userId }),
  run: ({ actor, meta, input }) => updateUser(actor, meta, input),
  revalidate: ["/admin/users"],
});

export const setUserDisabledAction = defineAction({
  name: "user.disable",
  permission: "user.manage",
  input: setUserDisabledSchema,
  target: (i) => ({ type: "user", id: i.userId }),
  run: ({ actor, meta, input }) => setUserDisabled(actor, meta, input),
  revalidate: ["/admin/users"],
});
