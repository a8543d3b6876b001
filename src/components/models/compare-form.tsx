import { Button } from "@/components/ui/button";
import { NativeSelect } from "@/components/ui/native-select";

/**
 * Picks two versions of a model to compare: a plain GET form, so the comparison is a link
 * that can be shared and works without JavaScript.
 */
export function CompareForm({
  model,
  versions,
  a,
  b,
  production,
}: {
  model: string;
  /** newest first */
  versions: string[];
  a: string | null;
  b: string | null;
  /** the version production serves, marked in the lists */
  production: string | null;
}) {
  const label = (v: string, i: number) =>
    [v, v === production ? "serves production" : null, i === 0 ? "newest" : null]
      .filter(Boolean)
      .join(" · ");
  const options = versions.map((v, i) => (
    <option key={v} value={v}>
      {label(v, i)}
    </option>
  ));
  return (
    <form
      method="get"
      action={`/models/${encodeURIComponent(model)}/compare`}
      aria-label="Compare versions"
      className="flex flex-wrap items-end gap-2"
    >
      <label className="flex flex-col gap-1 text-xs text-muted-foreground">
        Version A
        <NativeSelect name="a" defaultValue={a ?? ""} aria-label="Version A" required>
          {a === null ? <option value="">Choose a version</option> : null}
          {options}
        </NativeSelect>
      </label>
      <label className="flex flex-col gap-1 text-xs text-muted-foreground">
        Version B
        <NativeSelect name="b" defaultValue={b ?? ""} aria-label="Version B" required>
          {b === null ? <option value="">Choose a version</option> : null}
          {options}
        </NativeSelect>
      </label>
      <Button type="submit" size="sm" variant="outline" disabled={versions.length < 2}>
        Compare
      </Button>
    </form>
  );
}
