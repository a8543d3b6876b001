import { createElement } from "react";

/** An icon's drawing: lucide's SVG elements, as each `lucide-react/icons/<name>` module has it. */
export interface IconDrawing {
  name: string;
  node: readonly (readonly [string, Readonly<Record<string, string | number>>])[];
  /** former names, which lucide also adds as class names */
  aliases?: readonly string[];
}

function isDrawing(value: unknown): value is IconDrawing {
  if (typeof value !== "object" || value === null) return false;
  const { name, node, aliases } = value as { name?: unknown; node?: unknown; aliases?: unknown };
  return (
    typeof name === "string" &&
    (aliases === undefined ||
      (Array.isArray(aliases) && aliases.every((a) => typeof a === "string"))) &&
    Array.isArray(node) &&
    node.every(
      (n) => Array.isArray(n) && typeof n[0] === "string" && typeof n[1] === "object" && n[1],
    )
  );
}

/**
 * An icon module's drawing (`import { __iconData as gauge } from "lucide-react/icons/gauge"`),
 * checked: an upgrade that stops exporting it fails here, when the module loads, not with blank
 * icons.
 */
export function drawing(data: unknown): IconDrawing {
  if (!isDrawing(data)) throw new Error("a lucide-react icon module exports no drawing");
  return data;
}

/**
 * A lucide icon drawn by the server as plain SVG, with the markup lucide-react's components
 * make. Those components are client components: each icon a server component drew crossed to
 * the browser with its drawing, was rendered again for the HTML and hydrated. The layout's
 * icons (navigation and header) are on every page, some twice.
 */
export function SvgIcon({
  icon,
  className,
  "aria-hidden": hidden = "true",
}: {
  icon: IconDrawing;
  className?: string;
  /** hidden from screen readers unless said otherwise, as lucide's unlabelled icons are */
  "aria-hidden"?: boolean | "true" | "false";
}) {
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      width={24}
      height={24}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={2}
      strokeLinecap="round"
      strokeLinejoin="round"
      className={[
        "lucide",
        `lucide-${icon.name}`,
        ...(icon.aliases ?? []).map((alias) => `lucide-${alias}`),
        ...(className ? [className] : []),
      ].join(" ")}
      aria-hidden={hidden}
    >
      {icon.node.map(([tag, attributes], i) => createElement(tag, { ...attributes, key: i }))}
    </svg>
  );
}
