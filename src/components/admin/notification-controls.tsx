"use client";

import { useRouter } from "next/navigation";
import { useId, useState, useTransition, type ReactNode } from "react";
import { Check, Copy } from "lucide-react";
import type { ActionResult } from "@/lib/schemas/result";
import type { AddSubscriptionInput, CreateChannelInput } from "@/lib/schemas/notifications";
import {
  CHANNEL_KINDS,
  CHANNEL_KIND_LABELS,
  NOTIFICATION_EVENT_LABELS,
  eventsForKind,
  type ChannelKind,
  type NotificationEventType,
} from "@/lib/domain/notifications/events";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { FieldError } from "@/components/common/field-error";
import { FormMessage } from "@/components/admin/form-bits";

type Option = { id: string; name: string };

export type CreatedChannel = {
  channel: { id: string; name: string };
  generatedSecret: string | null;
};

const text = (data: FormData, name: string) => String(data.get(name) ?? "");

/** A labelled input with an optional hint and the field's error, tied by aria-describedby. */
function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (describedBy: string | undefined) => ReactNode;
}) {
  const describedBy =
    [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") ||
    undefined;
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      {children(describedBy)}
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}

/**
 * Adds a Slack, PagerDuty or signed-webhook channel. A webhook's generated signing secret is
 * shown once, to configure the receiver with; Flightdeck keeps it encrypted and shows only its
 * last four characters afterwards.
 */
export function CreateChannelForm({
  createChannel,
}: {
  createChannel: (input: CreateChannelInput) => Promise<ActionResult<CreatedChannel>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [kind, setKind] = useState<ChannelKind>("slack");
  const [result, setResult] = useState<ActionResult<CreatedChannel> | null>(null);
  const [copied, setCopied] = useState(false);
  const fields = result && !result.ok ? (result.error.fields ?? {}) : {};
  const invalid = (name: string) => (fields[name] ? true : undefined);
  /** One of a kind's inputs (URLs and secrets), labelled, with its hint and error. */
  const secretField = (
    name: "url" | "routingKey" | "endpoint" | "inboundSecret" | "signingSecret",
    label: string,
    o: { hint: string; type: "url" | "password"; placeholder?: string; required?: boolean },
  ) => (
    <Field id={`channel-${name}`} label={label} hint={o.hint} error={fields[name]}>
      {(describedBy) => (
        <Input
          id={`channel-${name}`}
          name={name}
          type={o.type}
          placeholder={o.placeholder}
          required={o.required}
          autoComplete="off"
          aria-invalid={invalid(name)}
          aria-describedby={describedBy}
        />
      )}
    </Field>
  );

  return (
    <div className="flex flex-col gap-3">
      <form
        aria-label="Add channel"
        className="grid grid-cols-1 gap-3 rounded-lg border bg-card p-4 md:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          const name = text(data, "name");
          const input: CreateChannelInput =
            kind === "slack"
              ? { kind, name, url: text(data, "url") }
              : kind === "pagerduty"
                ? {
                    kind,
                    name,
                    routingKey: text(data, "routingKey"),
                    endpoint: text(data, "endpoint"),
                    inboundSecret: text(data, "inboundSecret"),
                  }
                : {
                    kind,
                    name,
                    url: text(data, "url"),
                    signingSecret: text(data, "signingSecret"),
                  };
          startTransition(async () => {
            const r = await createChannel(input);
            setResult(r);
            setCopied(false);
            if (r.ok) {
              form.reset();
              router.refresh();
            }
          });
        }}
      >
        <Field id="channel-kind" label="Kind">
          {(describedBy) => (
            <NativeSelect
              id="channel-kind"
              name="kind"
              value={kind}
              aria-describedby={describedBy}
              onChange={(e) => {
                setKind(e.target.value as ChannelKind);
                setResult(null);
              }}
            >
              {CHANNEL_KINDS.map((k) => (
                <option key={k} value={k}>
                  {CHANNEL_KIND_LABELS[k]}
                </option>
              ))}
            </NativeSelect>
          )}
        </Field>
        <Field
          id="channel-name"
          label="Name"
          hint="Unique; letters, digits, spaces, dots, dashes, # and underscores."
          error={fields.name}
        >
          {(describedBy) => (
            <Input
              id="channel-name"
              name="name"
              placeholder={kind === "slack" ? "ml-platform-alerts" : "ranking-oncall"}
              required
              minLength={3}
              maxLength={60}
              autoComplete="off"
              aria-invalid={invalid("name")}
              aria-describedby={describedBy}
            />
          )}
        </Field>
        {kind === "slack" ? (
          secretField("url", "Slack webhook URL", {
            hint: "The incoming webhook's URL. It is the secret: stored encrypted, shown by its last four characters.",
            type: "url",
            placeholder: "https://hooks.slack.com/services/…",
            required: true,
          })
        ) : kind === "pagerduty" ? (
          <>
            {secretField("routingKey", "Routing key", {
              hint: "The integration key of an Events API v2 integration on the PagerDuty service.",
              type: "password",
              required: true,
            })}
            {secretField("endpoint", "Events API URL (optional)", {
              hint: "Leave blank for PagerDuty's default; the EU service region has its own.",
              type: "url",
              placeholder: "https://events.eu.pagerduty.com/v2/enqueue",
            })}
            {secretField("inboundSecret", "Webhook signing secret (optional)", {
              hint: "From a PagerDuty webhook subscription: incidents acknowledged in PagerDuty are then acknowledged here too.",
              type: "password",
            })}
          </>
        ) : (
          <>
            {secretField("url", "Webhook URL", {
              hint: "Receives a signed JSON POST (schema flightdeck.notification.v1) per event.",
              type: "url",
              placeholder: "https://hooks.example.com/flightdeck",
              required: true,
            })}
            {secretField("signingSecret", "Signing secret (optional)", {
              hint: "At least 16 characters. Leave blank and Flightdeck generates one and shows it once.",
              type: "password",
            })}
          </>
        )}
        <div className="flex flex-wrap items-center gap-3 md:col-span-3">
          <Button type="submit" disabled={pending}>
            {pending ? "Adding…" : "Add channel"}
          </Button>
          <FormMessage
            result={result}
            success={(d) => `Channel “${d.channel.name}” added. Subscribe it to events below.`}
          />
        </div>
      </form>
      {result?.ok && result.data.generatedSecret ? (
        <SecretOnce
          name={result.data.channel.name}
          secret={result.data.generatedSecret}
          copied={copied}
          onCopied={() => setCopied(true)}
        />
      ) : null}
    </div>
  );
}

function SecretOnce({
  name,
  secret,
  copied,
  onCopied,
}: {
  name: string;
  secret: string;
  copied: boolean;
  onCopied: () => void;
}) {
  return (
    <div
      role="status"
      className="rounded-lg border border-amber-600/40 bg-amber-500/10 p-4 text-sm"
    >
      <p className="font-medium">
        Signing secret of “{name}”. Copy it now into the receiver: it is shown only once.
      </p>
      <div className="mt-2 flex items-center gap-2">
        <code
          data-testid="new-signing-secret"
          className="break-all rounded bg-background px-2 py-1 font-mono text-xs"
        >
          {secret}
        </code>
        <Button
          size="sm"
          variant="outline"
          onClick={async () => {
            await navigator.clipboard.writeText(secret);
            onCopied();
          }}
        >
          {copied ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />}
          {copied ? "Copied" : "Copy"}
        </Button>
      </div>
    </div>
  );
}

const FAMILIES: { prefix: string; label: string }[] = [
  { prefix: "rollout.", label: "Rollouts" },
  { prefix: "incident.", label: "Incidents" },
  { prefix: "promotion.", label: "Promotions" },
  { prefix: "slo.", label: "SLOs" },
];

/** What a new subscription starts with: what on-call needs to hear about. */
const checkedByDefault = (e: NotificationEventType) =>
  e.startsWith("rollout.") || e.startsWith("incident.");

/**
 * Subscribes one channel to events of a team, a model or an environment ("any" of each: all),
 * offering only the events its kind receives.
 */
export function AddSubscriptionForm({
  channelId,
  channelName,
  kind,
  teams,
  models,
  environments,
  addSubscription,
}: {
  channelId: string;
  channelName: string;
  kind: ChannelKind;
  teams: Option[];
  models: Option[];
  environments: Option[];
  addSubscription: (
    input: AddSubscriptionInput,
  ) => Promise<ActionResult<{ id: string; created: boolean }>>;
}) {
  const router = useRouter();
  const id = useId();
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<ActionResult<{ id: string; created: boolean }> | null>(null);
  const events = eventsForKind(kind);
  const families = FAMILIES.map((f) => ({
    ...f,
    events: events.filter((e) => e.startsWith(f.prefix)),
  })).filter((f) => f.events.length > 0);
  const scope = (name: string, label: string, any: string, options: Option[]) => (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={`${id}-${name}`}>{label}</Label>
      <NativeSelect id={`${id}-${name}`} name={name} defaultValue="">
        <option value="">{any}</option>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </NativeSelect>
    </div>
  );
  return (
    <form
      aria-label={`Add subscription to ${channelName}`}
      className="grid grid-cols-1 gap-3 md:grid-cols-3"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        startTransition(async () => {
          const r = await addSubscription({
            channelId,
            teamId: text(data, "teamId"),
            modelId: text(data, "modelId"),
            environmentId: text(data, "environmentId"),
            events: data.getAll("events").map(String) as AddSubscriptionInput["events"],
          });
          setResult(r);
          if (r.ok) router.refresh();
        });
      }}
    >
      {scope("teamId", "Team", "Any team", teams)}
      {scope("modelId", "Model", "Any model", models)}
      {scope("environmentId", "Environment", "Any environment", environments)}
      <fieldset className="md:col-span-3">
        <legend className="mb-1 text-sm font-medium">Events</legend>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
          {families.map((f) => (
            <div key={f.prefix} role="group" aria-labelledby={`${id}-${f.prefix}`}>
              <p
                id={`${id}-${f.prefix}`}
                className="mb-1 text-xs font-semibold uppercase tracking-wide text-muted-foreground"
              >
                {f.label}
              </p>
              {f.events.map((e) => (
                <label key={e} className="flex items-center gap-2 py-0.5 text-sm">
                  <input
                    type="checkbox"
                    name="events"
                    value={e}
                    defaultChecked={checkedByDefault(e)}
                  />
                  {NOTIFICATION_EVENT_LABELS[e]}
                </label>
              ))}
            </div>
          ))}
        </div>
        {kind === "pagerduty" ? (
          <p className="mt-1 text-xs text-muted-foreground">
            PagerDuty pages on incidents only: Flightdeck&apos;s own and declared SEV1/SEV2 ones
            trigger; acknowledgement and resolution follow.
          </p>
        ) : null}
      </fieldset>
      <div className="flex flex-wrap items-center gap-3 md:col-span-3">
        <Button type="submit" size="sm" disabled={pending}>
          {pending ? "Subscribing…" : "Add subscription"}
        </Button>
        <FormMessage
          result={result}
          success={(d) => (d.created ? "Subscribed." : "Already subscribed: nothing changed.")}
        />
      </div>
    </form>
  );
}
