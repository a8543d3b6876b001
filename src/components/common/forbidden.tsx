import { ShieldX } from "lucide-react";

export function Forbidden({ what }: { what: string }) {
  return (
    <div role="alert" className="mx-auto mt-10 max-w-md rounded-lg border bg-card p-6 text-center">
      <ShieldX className="mx-auto mb-2 size-8 text-red-600" aria-hidden="true" />
      <h1 className="text-lg font-semibold">Not allowed</h1>
      <p className="mt-1 text-sm text-muted-foreground">
        Your role cannot {what}. Ask an admin if you need to.
      </p>
    </div>
  );
}
