// The microphone of a sound exercise ("ha!" on every beat), on this device only: the audio goes
// from the microphone into an AudioWorklet that computes a 10 ms loudness envelope and counts
// onsets; only the count comes out (the page reports it as the score's reps). No sample, level
// or recording leaves the worklet but the onset events. The microphone is opened when the
// player starts the exercise and closed when it ends (`stop`).
//
// The onset rule: the envelope (RMS over 10 ms, in dBFS) rising through ONSET_DB after it fell
// below REARM_DB, at least REFRACTORY_S after the previous onset. (espeak-ng saying "ha" seven
// times at 48 kHz counts 7.)

export type MicState = 'off' | 'starting' | 'on' | 'error';

/** Onset rule: rising through this level (dBFS)… */
export const ONSET_DB = -30;
/** …after falling below this one… */
export const REARM_DB = -40;
/** …at least this long after the previous onset (s). */
export const REFRACTORY_S = 0.12;
/** Envelope window (s). */
export const WINDOW_S = 0.01;

// The worklet: public/audio/onsets-worklet.js, a static file (the page's CSP allows scripts
// from its own origin only). It posts one message per onset: its context time.
const WORKLET_URL = '/audio/onsets-worklet.js';

/** Counts sound onsets from the microphone while on. */
export class SoundCounter {
  state: MicState = 'off';
  /** Onsets counted since `start`. */
  count = 0;
  private stream: MediaStream | null = null;
  private ctx: AudioContext | null = null;
  private generation = 0;

  constructor(
    private readonly onCount: (n: number) => void,
    private readonly onState: (s: MicState, error?: unknown) => void,
  ) {}

  /** Opens the microphone and counts from 0 (call from the player's click). */
  async start(): Promise<void> {
    if (this.state === 'starting' || this.state === 'on') return;
    const gen = ++this.generation;
    this.count = 0;
    this.set('starting');
    let stream: MediaStream | null = null;
    let ctx: AudioContext | null = null;
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('no microphone API (needs https or localhost)');
      ctx = new AudioContext();
      this.ctx = ctx;
      // The AudioContext first, within the click (autoplay rules), then the microphone.
      const resumed = ctx.resume();
      // Echo cancellation on: the page's own cue sounds (the beat ticks the player says "ha!"
      // on) are taken out of what the microphone hears, so they are not counted. No noise
      // suppression or gain control: they would bend the loudness the rule reads.
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: false, autoGainControl: false },
        video: false,
      });
      if (gen !== this.generation) throw new Error('stopped');
      this.stream = stream;
      await resumed;
      await ctx.audioWorklet.addModule(WORKLET_URL);
      if (gen !== this.generation) throw new Error('stopped');
      const node = new AudioWorkletNode(ctx, 'breakroom-onsets', {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: 1,
        channelCountMode: 'explicit',
        processorOptions: { onset: ONSET_DB, rearm: REARM_DB, refractory: REFRACTORY_S, window: WINDOW_S },
      });
      node.port.onmessage = () => {
        if (gen !== this.generation) return;
        this.count++;
        this.onCount(this.count);
      };
      ctx.createMediaStreamSource(stream).connect(node);
      this.set('on');
    } catch (e) {
      if (gen !== this.generation) {
        // Stopped while opening: close what this attempt opened.
        for (const t of stream?.getTracks() ?? []) t.stop();
        void ctx?.close().catch(() => {});
        return;
      }
      this.release();
      this.set('error', e);
    }
  }

  /** Closes the microphone (the exercise ended, the tab was hidden, or the player said so). */
  stop(): void {
    this.generation++;
    this.release();
    if (this.state !== 'off') this.set('off');
  }

  private release(): void {
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    void this.ctx?.close().catch(() => {});
    this.ctx = null;
  }

  private set(s: MicState, error?: unknown): void {
    this.state = s;
    this.onState(s, error);
  }
}
