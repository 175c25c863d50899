import { describe, expect, it } from 'vitest';
import { HorizontalPodAutoscaler } from '../../../../core/sim/baselines/hpa.js';

/** An HPA fed one observation per sync; returns spec.replicas after each. */
function drive(hpa: HorizontalPodAutoscaler, start: number, rpsAt: (t: number) => number, seconds: number, readyAll = true) {
  let replicas = start;
  const out: Array<{ t: number; replicas: number }> = [];
  for (let t = 0; t <= seconds; t += 15) {
    replicas = hpa.sync(t, { currentReplicas: replicas, readyPods: readyAll ? replicas : 0, observedRps: rpsAt(t), rpsPerPod: 1 });
    out.push({ t, replicas });
  }
  return out;
}

describe('HorizontalPodAutoscaler (documented defaults)', () => {
  it('keeps replicas within the 10% tolerance', () => {
    const hpa = new HorizontalPodAutoscaler();
    // 10 pods at 75% (target 70%): ratio 1.07, inside the tolerance.
    expect(hpa.recommend({ currentReplicas: 10, readyPods: 10, observedRps: 7.5, rpsPerPod: 1 })).toBe(10);
    // 10 pods at 80%: ratio 1.14, scale to ceil(10 × 0.8 / 0.7) = 12.
    expect(hpa.recommend({ currentReplicas: 10, readyPods: 10, observedRps: 8, rpsPerPod: 1 })).toBe(12);
  });

  it('holds scale-down for the 300 s stabilization window, then drops at once', () => {
    const hpa = new HorizontalPodAutoscaler();
    const trace = drive(hpa, 20, (t) => (t < 60 ? 14 : 3.5), 600);
    const at = (t: number) => trace.find((p) => p.t === t)!.replicas;
    expect(at(45)).toBe(20);
    // Demand fell at 60 s; the highest recommendation of the last 300 s (20) still wins at 345 s.
    expect(at(345)).toBe(20);
    expect(at(375)).toBe(5); // ceil(3.5 / 0.7)
  });

  it('limits scale-up to max(+100%, +4 pods) per 15 s period, and counts CPU saturation only up to the limit', () => {
    const hpa = new HorizontalPodAutoscaler();
    // 100 rps of demand on 2 pods: usage saturates at 100%, so the HPA asks for ceil(2/0.7) = 3 only…
    expect(hpa.recommend({ currentReplicas: 2, readyPods: 2, observedRps: 100, rpsPerPod: 1 })).toBe(3);
    // …and with a higher utilization cap it would ask for 286 but may add at most max(2×2, 2+4) = 6.
    const loose = new HorizontalPodAutoscaler({ utilizationCap: 100 });
    expect(loose.sync(0, { currentReplicas: 2, readyPods: 2, observedRps: 100, rpsPerPod: 1 })).toBe(6);
    expect(loose.sync(15, { currentReplicas: 20, readyPods: 20, observedRps: 100, rpsPerPod: 1 })).toBe(40);
  });

  it('treats pods not yet ready as idle when scaling up', () => {
    const hpa = new HorizontalPodAutoscaler();
    // 10 pods, 5 ready at 100%: used 5 pod-equivalents over 10 pods → 50%, below target: no scale-up.
    expect(hpa.recommend({ currentReplicas: 10, readyPods: 5, observedRps: 50, rpsPerPod: 1 })).toBe(10);
  });

  it('syncs every 15 s on average whatever the tick', () => {
    const hpa = new HorizontalPodAutoscaler();
    let syncs = 0;
    for (let t = 0; t < 600; t += 10) {
      if (hpa.due(t)) {
        syncs++;
        hpa.sync(t, { currentReplicas: 1, readyPods: 1, observedRps: 0.7, rpsPerPod: 1 });
      }
    }
    expect(syncs).toBe(40);
  });
});
