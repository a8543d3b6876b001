import Link from "next/link";

/** SLO names as links to their pages, separated by commas. */
export function SloLinks({ names }: { names: string[] }) {
  return names.map((n, i) => (
    <span key={n}>
      {i > 0 ? ", " : ""}
      <Link href={`/slos/${n}`} className="underline">
        {n}
      </Link>
    </span>
  ));
}
