export interface Page<T> {
  rows: T[];
  /** rows in all; a lower bound when `totalIsLowerBound` */
  total: number;
  /** the count stopped early: there are more than `total - 1` rows */
  totalIsLowerBound?: boolean;
  page: number;
  pageSize: number;
  pageCount: number;
}

/** Clamps a requested page into range; an empty result still has one (empty) page. */
export function pageWindow(requestedPage: number, pageSize: number, total: number) {
  const pageCount = Math.max(1, Math.ceil(total / pageSize));
  const page = Math.min(Math.max(1, Math.floor(requestedPage) || 1), pageCount);
  return { page, pageCount, skip: (page - 1) * pageSize, take: pageSize };
}

export function toPage<T>(rows: T[], total: number, page: number, pageSize: number): Page<T> {
  return { rows, total, page, pageSize, pageCount: Math.max(1, Math.ceil(total / pageSize)) };
}

/**
 * How far to count the rows of a list too long to count on every view (a million audit events
 * took 80 ms): at least `limit`, and past the page asked for so its next page is known. A count
 * that reaches the returned number stopped early.
 */
export function countLimit(requestedPage: number, pageSize: number, limit: number): number {
  const page = Math.max(1, Math.floor(requestedPage) || 1);
  return Math.max(limit, page * pageSize) + 1;
}
