import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";

/**
 * The key that encrypts channel secrets at rest (AES-256-GCM): derived from
 * `FLIGHTDECK_ENCRYPTION_KEY`, or from `AUTH_SECRET` when that is unset. Production should set
 * its own: rotating `AUTH_SECRET` then signs everyone out without losing the channels' secrets.
 */
function key(): Buffer {
  const material = process.env.FLIGHTDECK_ENCRYPTION_KEY || process.env.AUTH_SECRET;
  if (!material) {
    throw new Error(
      "Channel secrets need a key: set FLIGHTDECK_ENCRYPTION_KEY (or AUTH_SECRET) in the environment.",
    );
  }
  return Buffer.from(
    hkdfSync("sha256", material, "flightdeck", "notification channel secrets", 32),
  );
}

/** `v1:<iv>:<tag>:<ciphertext>`, base64url; a fresh IV each time. */
export function encryptSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), data]
    .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
    .join(":");
}

export function decryptSecret(stored: string): string {
  const [version, iv, tag, data] = stored.split(":");
  if (version !== VERSION || !iv || !tag || data === undefined) {
    throw new Error("The channel's secret is not in a format this version reads.");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([
      decipher.update(Buffer.from(data, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    throw new Error(
      "The channel's secret cannot be decrypted: was FLIGHTDECK_ENCRYPTION_KEY (or AUTH_SECRET) changed? Enter the secret again.",
    );
  }
}

/** The last four characters, shown to tell channels apart ("…a1b2"). */
export function secretHint(plain: string): string {
  return `…${plain.slice(-4)}`;
}
