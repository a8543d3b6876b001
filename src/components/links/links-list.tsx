import { ExternalLink } from "lucide-react";

/** Links out (dashboards, runbooks, an alert's source), opened in a new tab. */
export function LinksList({
  links,
  empty,
}: {
  links: { key: string; label: string; url: string }[];
  empty?: string;
}) {
  if (links.length === 0) {
    return empty ? <p className="text-sm text-muted-foreground">{empty}</p> : null;
  }
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1 text-sm" data-testid="links-out">
      {links.map((l) => (
        <li key={l.key}>
          <a
            href={l.url}
            target="_blank"
            rel="noopener noreferrer"
            className="inline-flex items-center gap-1 underline-offset-2 hover:underline"
          >
            {l.label}
            <ExternalLink aria-hidden="true" className="size-3" />
            <span className="sr-only"> (opens in a new tab)</span>
          </a>
        </li>
      ))}
    </ul>
  );
}
