"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Check, Copy } from "lucide-react";
import type { ActionResult } from "@/lib/schemas/result";
import { TOKEN_SCOPES } from "@/lib/domain/access/api-tokens";
import type { CreateTokenInput } from "@/lib/schemas/tokens";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { FormMessage } from "@/components/admin/form-bits";
import { NativeSelect } from "@/components/ui/native-select";

export function CreateTokenForm({
  teams,
  createToken,
}: {
  teams: { id: string; name: string }[];
  createToken: (
    input: CreateTokenInput,
  ) => Promise<ActionResult<{ secret: string; token: { name: string } }>>;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<ActionResult<{
    secret: string;
    token: { name: string };
  }> | null>(null);
  const [copied, setCopied] = useState(false);

  return (
    <div className="flex flex-col gap-3">
      <form
        aria-label="Create API token"
        className="grid grid-cols-1 gap-3 rounded-lg border bg-card p-4 md:grid-cols-4"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          const data = new FormData(form);
          startTransition(async () => {
            const r = await createToken({
              name: String(data.get("name") ?? ""),
              teamId: String(data.get("teamId") ?? ""),
              scopes: data.getAll("scopes").map(String) as CreateTokenInput["scopes"],
              expiresInDays: Number(data.get("expiresInDays") ?? 90),
            });
            setResult(r);
            setCopied(false);
            if (r.ok) {
              form.reset();
              router.refresh();
            }
          });
        }}
      >
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="token-name">Name</Label>
          <Input
            id="token-name"
            name="name"
            placeholder="ci-model-registry"
            required
            autoComplete="off"
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="token-team">Team</Label>
          <NativeSelect id="token-team" name="teamId" required defaultValue="">
            <option value="" disabled>
              Choose a team
            </option>
            {teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </NativeSelect>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="token-expiry">Expires after (days)</Label>
          <Input
            id="token-expiry"
            name="expiresInDays"
            type="number"
            min={1}
            max={365}
            defaultValue={90}
            required
          />
        </div>
        <fieldset className="flex flex-col gap-1">
          <legend className="text-sm font-medium">Scopes</legend>
          {TOKEN_SCOPES.map((s) => (
            <label key={s} className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="scopes" value={s} defaultChecked={s === "fleet.read"} />
              <code className="font-mono text-xs">{s}</code>
            </label>
          ))}
        </fieldset>
        <div className="flex items-center gap-3 md:col-span-4">
          <Button type="submit" disabled={pending}>
            {pending ? "Creating…" : "Create token"}
          </Button>
          {result && !result.ok ? <FormMessage result={result} success={() => ""} /> : null}
        </div>
      </form>
      {result?.ok ? (
        <div
          role="status"
          className="rounded-lg border border-amber-600/40 bg-amber-500/10 p-4 text-sm"
        >
          <p className="font-medium">
            Token “{result.data.token.name}” created. Copy it now: it is shown only once and stored
            only as a hash.
          </p>
          <div className="mt-2 flex items-center gap-2">
            <code
              data-testid="new-token-secret"
              className="break-all rounded bg-background px-2 py-1 font-mono text-xs"
            >
              {result.data.secret}
            </code>
            <Button
              size="sm"
              variant="outline"
              onClick={async () => {
                await navigator.clipboard.writeText(result.data.secret);
                setCopied(true);
              }}
            >
              {copied ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />}
              {copied ? "Copied" : "Copy"}
            </Button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
