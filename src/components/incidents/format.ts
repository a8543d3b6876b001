const HOUR = 60;
const DAY = 24 * HOUR;

/**
 * A response time as people say it: "40 s", "4.5 min", "12 min", "2 h 5 min", "3 d 4 h";
 * "—" when nothing was measured. Acknowledgements take minutes and resolutions hours, so the
 * unit follows the size.
 */
export function responseTime(minutes: number | null): string {
  if (minutes === null) return "—";
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 10) return `${Number(minutes.toFixed(1))} min`;
  if (minutes < 90) return `${Math.round(minutes)} min`;
  const m = Math.round(minutes);
  if (m < 2 * DAY) {
    const rest = m % HOUR;
    return `${Math.floor(m / HOUR)} h${rest ? ` ${rest} min` : ""}`;
  }
  const hours = Math.floor((m % DAY) / HOUR);
  return `${Math.floor(m / DAY)} d${hours ? ` ${hours} h` : ""}`;
}

/** A chart axis tick: "15 s", "5 min", "4 h", "2 d"; never wrapped. */
export function responseTick(minutes: number): string {
  const [value, unit] =
    minutes < 1
      ? [minutes * 60, "s"]
      : minutes < HOUR
        ? [minutes, "min"]
        : minutes < DAY
          ? [minutes / HOUR, "h"]
          : [minutes / DAY, "d"];
  return `${Number(value.toFixed(1))}\u00a0${unit}`;
}
