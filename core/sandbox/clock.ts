/**
 * The sandbox's shared clock: real time, optionally sped up (`--speed 60` replays an hour a
 * minute). Every part of a sandbox — API server timestamps, controllers' delays — reads this one
 * clock, so their times agree.
 */
import { timerSleep, type Clock } from '../model/clock.js';

export class ScaledClock implements Clock {
  private readonly startReal: number;

  /** `speed`: simulated milliseconds per real millisecond (1 = real time). */
  constructor(readonly speed = 1, private readonly startMs = Date.now(), private readonly realNow: () => number = Date.now) {
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`clock speed must be a positive number, got ${speed}`);
    this.startReal = realNow();
  }

  now(): number {
    return this.startMs + (this.realNow() - this.startReal) * this.speed;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return timerSleep(Math.max(0, ms) / this.speed, signal, true);
  }
}
