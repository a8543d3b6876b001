"use server";

import { defineAction } from "@/actions/safe-action";
import { createTokenSchema, reownTokenSchema, revokeTokenSchema } from "@/lib/schemas/tokens";
import { createToken, reownToken, revokeToken } from "@/server/access/tokens";

export const createTokenAction = defineAction({
  name: "token.create",
  permission: "token.manage",
  input: createTokenSchema,
  target: (i) => ({ type: "api_token", id: i.name }),
  run: ({ actor, meta, input }) => createToken(actor, meta, input),
  revalidate: ["/admin/tokens"],
});

export const revokeTokenAction = defineAction({
  name: "token.revoke",
  permission: "token.manage",
  input: revokeTokenSchema,
  target: (i) => ({ type: "api_token", id: i.tokenId }),
  run: ({ actor, meta, input }) => revokeToken(actor, meta, input),
  revalidate: ["/admin/tokens"],
});

export const reownTokenAction = defineAction({
  name: "token.reown",
  permission: "token.manage",
  input: reownTokenSchema,
  target: (i) => ({ type: "api_token", id: i.tokenId }),
  run: ({ actor, meta, input }) => reownToken(actor, meta, input),
  revalidate: ["/admin/tokens"],
});
