/**
 * An interruption queue in memory, with SQS's delivery rules on the injected clock: a received
 * message is invisible for `visibilityMs` and comes back unless acknowledged; acknowledged ones are
 * gone. The simulated cloud sends to it (`SimulatedCloudProvider.interrupt`); tests may too.
 */
import type { Clock } from '../../model/clock.js';
import type { InterruptionBatch, InterruptionKind, InterruptionMessage, InterruptionQueue } from '../interruption.js';

export class InMemoryInterruptionQueue implements InterruptionQueue {
  private readonly messages = new Map<string, { message: InterruptionMessage; visibleAt: number }>();
  private sequence = 0;
  /** Messages received so far (deliveries, redeliveries included). */
  received = 0;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    private readonly visibilityMs = 30_000,
  ) {}

  send(kind: InterruptionKind, instanceIds: readonly string[], detail: string, startsAt?: number, closed?: boolean): string {
    const receipt = `r-${++this.sequence}`;
    const message: InterruptionMessage = { receipt, kind, instanceIds: [...instanceIds], at: this.clock.now(), detail, ...(startsAt !== undefined ? { startsAt } : {}), ...(closed ? { closed } : {}) };
    this.messages.set(receipt, { message, visibleAt: 0 });
    return receipt;
  }

  /** Messages not yet acknowledged (in flight or visible). */
  pending(): number {
    return this.messages.size;
  }

  async receive(): Promise<InterruptionBatch> {
    const now = this.clock.now();
    const out: InterruptionMessage[] = [];
    for (const entry of this.messages.values()) {
      if (entry.visibleAt > now || out.length >= 10) continue;
      entry.visibleAt = now + this.visibilityMs;
      out.push(entry.message);
    }
    this.received += out.length;
    return { messages: out, rejected: [] };
  }

  async acknowledge(receipts: readonly string[]): Promise<void> {
    for (const r of receipts) this.messages.delete(r);
  }
}
