"use client";

/** The regions a promotion targets: ticked ones, or every region of the tier when none is. */
export function RegionChoices({
  model,
  tier,
  choices,
  selected,
  onChange,
}: {
  model: string;
  tier: string;
  choices: string[];
  selected: string[];
  onChange: (regions: string[]) => void;
}) {
  const toggle = (code: string) =>
    onChange(
      selected.includes(code) ? selected.filter((x) => x !== code) : [...selected, code].sort(),
    );
  return (
    <fieldset className="space-y-1">
      <legend className="text-sm font-medium">Regions</legend>
      {choices.length === 0 ? (
        <p className="text-sm text-muted-foreground">
          {model} does not run in {tier} anywhere.
        </p>
      ) : (
        <>
          <p className="text-xs text-muted-foreground">
            None ticked: every {tier} region it runs in ({choices.join(", ")}).
          </p>
          <div className="flex flex-wrap gap-4 text-sm">
            {choices.map((code) => (
              <label key={code} className="flex items-center gap-2">
                <input
                  type="checkbox"
                  checked={selected.includes(code)}
                  onChange={() => toggle(code)}
                />
                {tier}/{code}
              </label>
            ))}
          </div>
        </>
      )}
    </fieldset>
  );
}
