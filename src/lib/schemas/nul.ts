// PostgreSQL text cannot hold NUL (\u0000): a string with one fails the query it reaches. Inputs
// are checked for it where they enter (the API route chain; server actions should do the same),
// so the caller gets a 422 naming the field instead of a 500.

export const NUL_MESSAGE =
  "Contains a NUL character (\\u0000), which Flightdeck cannot store or search for.";

/** The path of a string (or key) holding NUL in a parsed JSON value, or null. Iterative: bodies nest deep. */
export function nulPath(root: unknown): (string | number)[] | null {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: root, path: [] }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { value, path } = next;
    if (typeof value === "string") {
      if (value.includes("\u0000")) return path;
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push({ value: v, path: [...path, i] }));
    } else if (value && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) {
        if (key.includes("\u0000")) return [...path, key];
        stack.push({ value: v, path: [...path, key] });
      }
    }
  }
  return null;
}
