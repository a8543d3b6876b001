import { existsSync } from "node:fs";

/**
 * Debian's Chromium, never a downloaded browser: CHROMIUM_PATH, else /usr/bin/chromium.
 * scripts/ensure-chromium.sh installs it first when it is missing and we may.
 */
export function chromiumPath(): string {
  const candidate = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!existsSync(candidate)) {
    throw new Error(
      `Chromium not found at ${candidate}. Install Debian's package (sudo apt-get install chromium) ` +
        `or set CHROMIUM_PATH to a Chromium binary.`,
    );
  }
  return candidate;
}
