// Microphone frames -> 8 kHz 16-bit PCM, 20 ms at a time (what a telephone line carries).
class Downsampler extends AudioWorkletProcessor {
  constructor() { super(); this.ratio = sampleRate / 8000; this.acc = 0; this.sum = 0; this.n = 0; this.out = []; }
  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    for (let i = 0; i < input.length; i++) {
      this.sum += input[i]; this.n++; this.acc++;
      if (this.acc >= this.ratio) {
        const v = Math.max(-1, Math.min(1, this.sum / this.n));
        this.out.push(v < 0 ? v * 0x8000 : v * 0x7fff);
        this.acc -= this.ratio; this.sum = 0; this.n = 0;
        if (this.out.length === 160) { this.port.postMessage(Int16Array.from(this.out)); this.out = []; }
      }
    }
    return true;
  }
}
registerProcessor("downsampler", Downsampler);
