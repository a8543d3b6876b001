"use server";

import { defineAction } from "@/actions/safe-action";
import {
  addSubscriptionSchema,
  createChannelSchema,
  deleteChannelSchema,
  redeliverSchema,
  removeSubscriptionSchema,
  setChannelEnabledSchema,
} from "@/lib/schemas/notifications";
import {
  addSubscription,
  createChannel,
  deleteChannel,
  removeSubscription,
  setChannelEnabled,
} from "@/server/notifications/channels";
import { redeliver } from "@/server/notifications/deliveries";

const PAGES = ["/admin/notifications", "/admin/notifications/deliveries"];

export const createChannelAction = defineAction({
  name: "notification.channel.create",
  permission: "settings.manage",
  input: createChannelSchema,
  target: (i) => ({ type: "notification_channel", id: i.name }),
  run: ({ actor, meta, input }) => createChannel(actor, meta, input),
  revalidate: PAGES,
});

export const setChannelEnabledAction = defineAction({
  name: "notification.channel.enable",
  permission: "settings.manage",
  input: setChannelEnabledSchema,
  target: (i) => ({ type: "notification_channel", id: i.channelId }),
  run: ({ actor, meta, input }) => setChannelEnabled(actor, meta, input),
  revalidate: PAGES,
});

export const deleteChannelAction = defineAction({
  name: "notification.channel.delete",
  permission: "settings.manage",
  input: deleteChannelSchema,
  target: (i) => ({ type: "notification_channel", id: i.channelId }),
  run: ({ actor, meta, input }) => deleteChannel(actor, meta, input),
  revalidate: PAGES,
});

export const addSubscriptionAction = defineAction({
  name: "notification.subscription.create",
  permission: "settings.manage",
  input: addSubscriptionSchema,
  target: (i) => ({ type: "notification_channel", id: i.channelId }),
  run: ({ actor, meta, input }) => addSubscription(actor, meta, input),
  revalidate: PAGES,
});

export const removeSubscriptionAction = defineAction({
  name: "notification.subscription.delete",
  permission: "settings.manage",
  input: removeSubscriptionSchema,
  target: (i) => ({ type: "notification_subscription", id: i.subscriptionId }),
  run: ({ actor, meta, input }) => removeSubscription(actor, meta, input),
  revalidate: PAGES,
});

export const redeliverAction = defineAction({
  name: "notification.redeliver",
  permission: "settings.manage",
  input: redeliverSchema,
  target: (i) => ({ type: "notification_delivery", id: i.deliveryId }),
  run: ({ actor, meta, input }) => redeliver(actor, meta, input),
  revalidate: PAGES,
});
