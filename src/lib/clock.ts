/**
 * The one source of the current time for services, the worker and the simulator. The app runs
 * on the system clock; tests install a clock they move, so that a timed pause, an analysis
 * window, a soak or an alert's long window passes in an instant instead of being slept through.
 * The clock lives on globalThis so that every copy of this module in a process shares it.
 */
export interface Clock {
  now(): Date;
}

const systemClock: Clock = { now: () => new Date() };
const g = globalThis as unknown as { flightdeckClock?: Clock };

export const clock = {
  now: (): Date => (g.flightdeckClock ?? systemClock).now(),
  ms: (): number => clock.now().getTime(),
};

/** Installs a clock for this process (tests); null goes back to the system clock. */
export function installClock(next: Clock | null): void {
  g.flightdeckClock = next ?? undefined;
}

/**
 * A clock that tests move: it stands still apart from one millisecond per reading, as a real
 * clock moves between two statements, so that events written one after another are ordered.
 */
export class ManualClock implements Clock {
  private t: number;

  constructor(start: Date | number = Date.now()) {
    this.t = typeof start === "number" ? start : start.getTime();
  }

  now(): Date {
    const at = new Date(this.t);
    this.t += 1;
    return at;
  }

  advance(ms: number): Date {
    this.t += ms;
    return new Date(this.t);
  }

  set(at: Date): void {
    this.t = at.getTime();
  }
}
