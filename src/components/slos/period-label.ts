/** "Sep 2026" for "September 2026": a review period's name short enough for a column. */
export const shortLabel = (label: string) =>
  label.replace(/^([A-Z][a-z]{2})[a-z]+ (\d{4})$/, "$1 $2");
