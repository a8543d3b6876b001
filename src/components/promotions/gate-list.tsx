import type { Gate } from "@/lib/domain/promotions/gates";
import { StatusBadge } from "@/components/common/status-badge";

/** The checklist of gates: each with its verdict, a one-line summary and the evidence rows. */
export function GateList({ gates }: { gates: Gate[] }) {
  return (
    <ol className="space-y-3" aria-label="Gates">
      {gates.map((g) => (
        <li key={g.id} className="rounded-md border p-3" data-testid={`gate-${g.id}`}>
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h3 className="font-medium">{g.title}</h3>
            <StatusBadge status={g.status} />
          </div>
          <p className="mt-1 text-sm text-muted-foreground">{g.summary}</p>
          {g.evidence.length > 0 ? (
            <table className="mt-2 w-full text-sm">
              <caption className="sr-only">{g.title} evidence</caption>
              <tbody>
                {g.evidence.map((e, i) => (
                  <tr key={`${e.label}-${i}`} className="border-t align-top">
                    <th scope="row" className="w-1/3 py-1 pr-2 text-left font-normal">
                      {e.label}
                    </th>
                    <td className="break-all py-1 pr-2 font-mono text-xs">{e.value}</td>
                    <td className="py-1 text-right">
                      <StatusBadge status={e.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
