import type { ActionResult } from "@/lib/schemas/result";

export const ROLE_CHOICES = [
  { value: "viewer", label: "Viewer" },
  { value: "engineer", label: "Engineer" },
  { value: "release_manager", label: "Release manager" },
  { value: "admin", label: "Admin" },
  { value: "none", label: "No role (no access)" },
] as const;

export function RoleOptions() {
  return (
    <>
      {ROLE_CHOICES.map((r) => (
        <option key={r.value} value={r.value}>
          {r.label}
        </option>
      ))}
    </>
  );
}

export function TeamOptions({ teams }: { teams: { id: string; name: string }[] }) {
  return (
    <>
      <option value="">No team</option>
      {teams.map((t) => (
        <option key={t.id} value={t.id}>
          {t.name}
        </option>
      ))}
    </>
  );
}

/** The outcome of the last submit, announced to screen readers. */
export function FormMessage<T>({
  result,
  success,
}: {
  result: ActionResult<T> | null;
  success: (data: T) => string;
}) {
  if (!result) return <span role="status" aria-live="polite" />;
  return result.ok ? (
    <span
      role="status"
      aria-live="polite"
      className="text-sm text-emerald-700 dark:text-emerald-300"
    >
      {success(result.data)}
    </span>
  ) : (
    <span role="alert" className="text-sm text-red-700 dark:text-red-300">
      {result.error.message}
    </span>
  );
}
