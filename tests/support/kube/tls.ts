/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with node:crypto (an ECDSA P-256
 * key and a hand-encoded X.509 v3 certificate), for servers started with `tls: true`.
 *
 * Why TLS at all: kubectl (client-go) sends a kubeconfig's credentials only over https; over
 * plain http it sends none. Tests that run kubectl against a server with bearer tokens use TLS
 * and a kubeconfig carrying this certificate as its certificate authority.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);

/**
 * A DER INTEGER of unsigned big-endian bytes: minimal (leading zero bytes dropped, as DER
 * requires: a random serial starting 00 0x was refused as "illegal padding" one time in 512),
 * then a zero byte added when the high bit is set, so it stays positive.
 */
export function integer(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start += 1;
  const minimal = value.subarray(start);
  const v = (minimal[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal;
  return tlv(0x02, v.length > 0 ? v : Buffer.from([0]));
}

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const bytes: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = p >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, "0");
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, "ascii"));
}

function name(commonName: string): Buffer {
  return seq(set(seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(commonName, "utf8")))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), tlv(0x04, value));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

export interface TestCertificate {
  /** PEM certificate: the server's, and the certificate authority clients trust */
  cert: string;
  /** PEM PKCS#8 private key */
  key: string;
}

const cached = new Map<boolean, TestCertificate>();

/**
 * The certificate every TLS test server of this process uses (made once); `expired` gives one
 * whose validity ended yesterday, as a cluster whose certificate nobody renewed.
 */
export function testCertificate(options: { expired?: boolean } = {}): TestCertificate {
  const expired = options.expired ?? false;
  const hit = cached.get(expired);
  if (hit) return hit;
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const ecdsaWithSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const subject = name("flightdeck-test-kube-apiserver");
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, integer(Buffer.from([2]))),
    integer(randomBytes(16)),
    ecdsaWithSha256,
    subject,
    expired
      ? seq(utcTime(new Date(now - 2 * 86_400_000)), utcTime(new Date(now - 86_400_000)))
      : seq(utcTime(new Date(now - 60 * 60_000)), utcTime(new Date(now + 10 * 365 * 86_400_000))),
    subject,
    publicKey.export({ type: "spki", format: "der" }),
    tlv(
      0xa3,
      seq(
        extension("2.5.29.19", true, seq(tlv(0x01, Buffer.from([0xff])))),
        extension("2.5.29.15", true, tlv(0x03, Buffer.from([0x02, 0x84]))),
        extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))),
        extension(
          "2.5.29.17",
          false,
          seq(tlv(0x87, Buffer.from([127, 0, 0, 1])), tlv(0x82, Buffer.from("localhost", "ascii"))),
        ),
      ),
    ),
  );
  const signature = sign("sha256", tbs, privateKey);
  const certificate = seq(
    tbs,
    ecdsaWithSha256,
    tlv(0x03, Buffer.concat([Buffer.from([0]), signature])),
  );
  const made = {
    cert: pem("CERTIFICATE", certificate),
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  };
  cached.set(expired, made);
  return made;
}
