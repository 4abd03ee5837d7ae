'use strict';
// Latency histogram in milliseconds: 10 µs buckets below 1 ms, then buckets 2 % wide, so workers can ship a
// few hundred counters to the coordinator instead of millions of samples. Percentiles are bucket upper bounds.
const LN = Math.log(1.02);

function index(ms) {
  const us = ms * 1000;
  if (us < 1000) return Math.max(0, Math.floor(us / 10));
  return 100 + Math.floor(Math.log(us / 1000) / LN);
}

function upper(i) {
  if (i < 100) return (i + 1) * 10 / 1000;
  return Math.exp((i - 99) * LN);
}

const SIZE = index(3600 * 1000) + 1; // up to an hour; anything later lands in the last bucket

class Hist {
  constructor() { this.counts = new Map(); this.fast = new Float64Array(SIZE); this.n = 0; this.max = 0; this.sum = 0; }
  // The generator's hot path: a typed-array increment, no allocation.
  add(ms) {
    if (ms < 0) ms = 0;
    this.fast[Math.min(SIZE - 1, index(ms))]++;
    this.n++; this.sum += ms;
    if (ms > this.max) this.max = ms;
  }
  fold() {
    for (let i = 0; i < SIZE; i++) {
      if (this.fast[i]) { this.counts.set(i, (this.counts.get(i) || 0) + this.fast[i]); this.fast[i] = 0; }
    }
  }
  toJSON() { this.fold(); return { counts: [...this.counts], n: this.n, max: this.max, sum: this.sum }; }
  static from(json) {
    const h = new Hist();
    h.merge(json);
    return h;
  }
  merge(json) {
    for (const [i, c] of json.counts) this.counts.set(i, (this.counts.get(i) || 0) + c);
    this.n += json.n; this.sum += json.sum;
    if (json.max > this.max) this.max = json.max;
    return this;
  }
  pct(p) {
    this.fold();
    if (this.n === 0) return null;
    const target = Math.ceil(this.n * p / 100);
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const k of keys) {
      seen += this.counts.get(k);
      if (seen >= target) return Math.min(upper(k), this.max);
    }
    return this.max;
  }
  summary() {
    return { n: this.n, p50: this.pct(50), p95: this.pct(95), p99: this.pct(99), max: this.n ? this.max : null };
  }
}

module.exports = { Hist };
