import os from "node:os";
import { parseArgs } from "node:util";
import { hash } from "@node-rs/bcrypt";
import { z } from "zod";
import { PASSWORD_HASH_COST, passwordProblem } from "@/lib/domain/access/passwords";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { MissingDatabaseError, MissingSchemaError, withCliDatabase } from "./database";

/**
 * `flightdeck admin create`: the first admin of a fresh install (demo accounts are off outside
 * the local demo, and single sign-on may not be set up yet). It works only while no enabled
 * admin exists, so a leaked shell on a running install cannot mint admins silently; `--force`
 * adds one anyway and is audited with its reason.
 */

export const ADMIN_USAGE = `Usage:
  flightdeck admin create --email EMAIL [--name NAME] [--force --reason TEXT]
      Create an admin who signs in with a password. The password is read from standard
      input (asked for twice on a terminal). Works only while no enabled admin exists;
      --force adds another admin anyway and needs --reason (written to the audit log).

The database is DATABASE_URL, or the embedded one under FLIGHTDECK_DATA_DIR (.flightdeck).
`;

export interface AdminCliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** the new password: standard input, or a hidden prompt on a terminal */
  readPassword: () => Promise<string>;
  env: Record<string, string | undefined>;
}

class UsageError extends Error {}
class InputError extends Error {}

const emailSchema = z.string().trim().toLowerCase().email().max(200);

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        email: { type: "string" },
        name: { type: "string" },
        force: { type: "boolean" },
        reason: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function createAdmin(argv: string[], io: AdminCliIo): Promise<void> {
  const { values, positionals } = parse(argv);
  if (values.help) {
    io.stdout(ADMIN_USAGE);
    return;
  }
  if (positionals[0] !== "create" || positionals.length > 1) {
    throw new UsageError(
      positionals.length === 0
        ? "no command given."
        : `unknown command: admin ${positionals.join(" ")}`,
    );
  }
  const email = emailSchema.safeParse(values.email ?? "");
  if (!email.success) throw new UsageError("--email must be a valid email address.");
  const name = (values.name ?? email.data.split("@")[0] ?? email.data).trim().slice(0, 120);
  const reason = values.reason?.trim() ?? "";
  if (values.force && reason.length < 3) {
    throw new UsageError("--force needs --reason saying why another admin is added.");
  }
  if (!values.force && values.reason !== undefined) {
    throw new UsageError("--reason goes with --force.");
  }
  const password = await io.readPassword();
  const problem = passwordProblem(password);
  if (problem) throw new InputError(problem);
  const passwordHash = await hash(password, PASSWORD_HASH_COST);

  const created = await withCliDatabase(io.env, (prisma) =>
    prisma.$transaction(async (tx) => {
      // Two concurrent runs must not both see "no admin yet".
      await advisoryLock(tx, LOCKS.admins());
      const admins = await tx.user.findMany({
        where: { role: "admin", disabled: false },
        orderBy: { createdAt: "asc" },
        select: { email: true },
        take: 3,
      });
      if (admins.length > 0 && !values.force) {
        throw new InputError(
          `An enabled admin already exists (${admins.map((a) => a.email).join(", ")}); admins add users under Admin → Users. To add an admin from the command line anyway, use --force --reason "…" (audited).`,
        );
      }
      const existing = await tx.user.findUnique({
        where: { email: email.data },
        select: { id: true },
      });
      if (existing) {
        throw new InputError(
          `A user with the email ${email.data} already exists; an admin can change their role under Admin → Users.`,
        );
      }
      const user = await tx.user.create({
        data: { email: email.data, name, role: "admin", passwordHash },
        select: { id: true, email: true },
      });
      await tx.auditEvent.create({
        data: {
          actorEmail: `cli:${os.userInfo().username}`,
          action: "user.create",
          targetType: "user",
          targetId: user.id,
          outcome: "allowed",
          after: { email: user.email, role: "admin", teamId: null, disabled: false },
          reason: values.force
            ? `flightdeck admin create --force: ${reason}`
            : "first admin (flightdeck admin create)",
        },
      });
      return user;
    }),
  );
  io.stdout(`Created admin ${created.email}. Sign in with this email and the password you gave.\n`);
}

/** Runs `flightdeck admin …` and returns the exit code: 0 done, 1 refused, 2 bad usage. */
export async function adminMain(argv: string[], io: AdminCliIo): Promise<number> {
  try {
    await createAdmin(argv, io);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`flightdeck: ${e.message}\n\n${ADMIN_USAGE}`);
      return 2;
    }
    if (
      e instanceof InputError ||
      e instanceof MissingSchemaError ||
      e instanceof MissingDatabaseError
    ) {
      io.stderr(`flightdeck: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/** Asks for a line on the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let value = "";
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    const done = (result: string | Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done(value);
        if (ch === "\u0003") return done(new Error("cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

export const processAdminIo: AdminCliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  readPassword: async () => {
    if (!process.stdin.isTTY) return readAll(process.stdin);
    const first = await promptHidden("Password for the new admin: ");
    const second = await promptHidden("The same password again: ");
    if (first !== second) throw new InputError("The two passwords differ.");
    return first;
  },
};
