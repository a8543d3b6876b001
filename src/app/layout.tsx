import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Suspense } from "react";
import { connection } from "next/server";
import { ThemeProvider } from "@/components/layout/theme-provider";
import { DemoBanner } from "@/components/layout/demo-banner";
import { demoBannerShown } from "@/server/demo-mode";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Flightdeck", template: "%s · Flightdeck" },
  description: "Control plane for AI/ML platform reliability",
};

/** Read per request, not at build time: the same build runs with and without demo accounts. */
async function DemoNotice() {
  await connection();
  return demoBannerShown() ? <DemoBanner /> : null;
}

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen antialiased">
        <ThemeProvider>
          <Suspense>
            <DemoNotice />
          </Suspense>
          {children}
        </ThemeProvider>
      </body>
    </html>
  );
}
