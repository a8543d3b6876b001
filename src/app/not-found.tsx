import Link from "next/link";
import { buttonVariants } from "@/components/ui/button";

export default function NotFound() {
  return (
    <main className="flex min-h-screen items-center justify-center p-4">
      <div className="max-w-md text-center">
        <p className="font-mono text-sm text-muted-foreground">404</p>
        <h1 className="mt-1 text-xl font-semibold">Page not found</h1>
        <p className="mt-1 text-sm text-muted-foreground">
          This address does not exist in Flightdeck. It may have been mistyped, or the item was
          removed.
        </p>
        <Link href="/" className={buttonVariants({ className: "mt-4" })}>
          Back to the overview
        </Link>
      </div>
    </main>
  );
}
