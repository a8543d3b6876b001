// Request paths to the app's route patterns ("/rollouts/cm1x…" → "/rollouts/[id]"), so HTTP
// metrics are labelled by route, with a bounded number of series, never by raw path.

interface Pattern {
  route: string;
  segments: string[];
}

function specificity(p: Pattern): number[] {
  // static segments first, then single dynamic ones, catch-alls last
  return p.segments.map((s) =>
    s.startsWith("[...") || s.startsWith("[[...") ? 2 : s.startsWith("[") ? 1 : 0,
  );
}

function compare(a: Pattern, b: Pattern): number {
  const x = specificity(a);
  const y = specificity(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function matches(p: Pattern, parts: string[]): boolean {
  for (let i = 0; i < p.segments.length; i++) {
    const s = p.segments[i] as string;
    if (s.startsWith("[[...")) return true;
    if (s.startsWith("[...")) return parts.length > i;
    if (i >= parts.length) return false;
    if (!s.startsWith("[") && s !== parts[i]) return false;
  }
  return parts.length === p.segments.length;
}

/** A matcher over Next.js app route patterns (the build's app-path-routes-manifest values). */
export function routeMatcher(routes: string[]): (pathname: string) => string {
  const patterns = [...new Set(routes)]
    .filter((r) => !r.includes("/_not-found") && !r.startsWith("/_"))
    .map((route) => ({ route, segments: route.split("/").filter(Boolean) }))
    .sort(compare);
  return (pathname) => {
    if (pathname.startsWith("/_next/static/")) return "/_next/static";
    if (pathname.startsWith("/_next/")) return "/_next";
    const parts = pathname.split("/").filter(Boolean);
    return patterns.find((p) => matches(p, parts))?.route ?? "other";
  };
}
