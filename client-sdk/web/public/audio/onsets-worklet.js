// The sound exercise's onset counter, an AudioWorklet (loaded by src/mic.ts, which holds the
// rule's numbers and passes them in processorOptions). It reads the microphone's samples, keeps
// a loudness envelope (RMS over `window` s, in dBFS) and posts one message per onset, its
// context time: the envelope rising through `onset` dB after falling below `rearm` dB, at least
// `refractory` s after the previous one. Nothing else leaves it: no sample, no level.
class Onsets extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const o = options.processorOptions;
    this.onset = o.onset; this.rearm = o.rearm; this.refractory = o.refractory;
    this.size = Math.max(1, Math.round(o.window * sampleRate));
    this.sum = 0; this.n = 0; this.armed = true; this.last = -Infinity;
  }
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (!ch) return true;
    for (let i = 0; i < ch.length; i++) {
      this.sum += ch[i] * ch[i];
      if (++this.n < this.size) continue;
      const db = 10 * Math.log10(this.sum / this.n + 1e-12);
      const t = currentTime + i / sampleRate;
      this.sum = 0; this.n = 0;
      if (db < this.rearm) this.armed = true;
      else if (this.armed && db >= this.onset && t - this.last >= this.refractory) {
        this.armed = false; this.last = t; this.port.postMessage(t);
      }
    }
    return true;
  }
}
registerProcessor('breakroom-onsets', Onsets);
