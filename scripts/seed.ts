import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../src/generated/prisma/client";
import { seedIfEmpty } from "../prisma/seed";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is not set");
const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
const started = Date.now();
const seeded = await seedIfEmpty(prisma);
console.log(
  seeded ? `Seeded the demo fleet in ${Date.now() - started} ms` : "Database already has a fleet",
);
await prisma.$disconnect();
