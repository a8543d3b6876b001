import type { ReactNode } from "react";
import { Equal, EqualNot } from "lucide-react";
import { LINEAGE_FIELDS, type Lineage, type LineageDiff } from "@/lib/domain/models/registry";
import { Badge } from "@/components/ui/badge";
import {
  Table,
  TableBody,
  TableCaption,
  TableCell,
  TableHead,
  TableHeader,
  TableRow,
} from "@/components/ui/table";
import { cn } from "@/lib/utils";
import { CopyableValue } from "./copyable-value";
import { lowerFirst, shortDigest } from "./format";

function LineageValue({ label, value, digest }: { label: string; value: string; digest: boolean }) {
  return digest ? (
    <CopyableValue value={value} display={shortDigest(value)} label={lowerFirst(label)} />
  ) : (
    <CopyableValue value={value} label={lowerFirst(label)} />
  );
}

/**
 * Where a version came from: training run, data, code, images and artifact, with any `extra`
 * facts of the page (who registered it, when) in the same list. `framed` is false inside a card.
 */
export function LineageList({
  lineage,
  extra = [],
  framed = true,
}: {
  lineage: Lineage;
  extra?: { label: string; value: ReactNode }[];
  framed?: boolean;
}) {
  const rows = [
    ...LINEAGE_FIELDS.map((f) => ({
      key: f.key,
      label: f.label,
      value: <LineageValue label={f.label} value={lineage[f.key]} digest={f.digest} />,
    })),
    ...extra.map((e) => ({ key: undefined, ...e })),
  ];
  return (
    <dl
      className={cn(
        "grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]",
        framed && "rounded-lg border bg-card p-4",
      )}
      data-testid="lineage"
    >
      {rows.map((r) => (
        <div key={r.label} className="contents">
          <dt className="text-muted-foreground">{r.label}</dt>
          <dd className="min-w-0" data-field={r.key}>
            {r.value}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** Two versions' lineage, each field marked same or differs (the icon and word, not colour). */
export function LineageCompareTable({ rows, a, b }: { rows: LineageDiff[]; a: string; b: string }) {
  return (
    <Table data-testid="lineage-compare">
      <TableCaption>
        Lineage of {a} (A) and {b} (B)
      </TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>Field</TableHead>
          <TableHead>
            <span className="sr-only">Same or different</span>
          </TableHead>
          <TableHead>A · {a}</TableHead>
          <TableHead>B · {b}</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((r) => (
          <TableRow key={r.key} data-testid="lineage-row" data-field={r.key} data-same={r.same}>
            <TableCell className="font-medium">{r.label}</TableCell>
            <TableCell>
              {r.same ? (
                <Badge tone="neutral">
                  <Equal aria-hidden="true" /> same
                </Badge>
              ) : (
                <Badge tone="warn">
                  <EqualNot aria-hidden="true" /> differs
                </Badge>
              )}
            </TableCell>
            <TableCell className="max-w-80">
              <LineageValue label={`${r.label} of ${a}`} value={r.a} digest={r.digest} />
            </TableCell>
            <TableCell className="max-w-80">
              <LineageValue label={`${r.label} of ${b}`} value={r.b} digest={r.digest} />
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
