// The camera and MediaPipe Pose, on this device only: frames go from the <video> to MediaPipe
// (WebAssembly, CPU) and only the landmarks come out. MediaPipe's files are served by the
// breakroom server from /mediapipe/, never from a CDN.

import type { Landmark } from './skeleton';

export type CameraState = 'off' | 'starting' | 'on' | 'error';

interface PoseResults {
  poseLandmarks?: Landmark[];
}
interface PoseSolution {
  setOptions(o: Record<string, unknown>): void;
  onResults(f: (r: PoseResults) => void): void;
  initialize(): Promise<void>;
  send(input: { image: HTMLVideoElement }): Promise<void>;
  close(): Promise<void>;
}

/** What MediaPipe's UMD script puts on `window`. */
declare global {
  interface Window {
    Pose?: new (config: { locateFile: (f: string) => string }) => PoseSolution;
  }
}

let loading: Promise<void> | null = null;

/** Loads MediaPipe's UMD script (it defines `window.Pose`). */
function loadPoseScript(): Promise<void> {
  if (window.Pose) return Promise.resolve();
  loading ??= new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = '/mediapipe/pose.js';
    s.crossOrigin = 'anonymous';
    s.onload = () => resolve();
    s.onerror = () => {
      loading = null;
      reject(new Error('could not load /mediapipe/pose.js'));
    };
    document.head.append(s);
  });
  return loading;
}

/** A camera feeding MediaPipe Pose, one `send` per video frame. */
export class PoseCamera {
  state: CameraState = 'off';
  /** Frames for which MediaPipe returned landmarks. */
  frames = 0;
  private stream: MediaStream | null = null;
  private pose: PoseSolution | null = null;
  private running = false;

  constructor(
    readonly video: HTMLVideoElement,
    private readonly onLandmarks: (l: Landmark[] | null) => void,
    private readonly onState: (s: CameraState, error?: unknown) => void,
  ) {}

  async start(): Promise<void> {
    if (this.state === 'starting' || this.state === 'on') return;
    this.set('starting');
    try {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error('no camera API (needs https or localhost)');
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
      });
      this.video.muted = true;
      this.video.playsInline = true;
      this.video.srcObject = this.stream;
      await this.video.play();
      await loadPoseScript();
      const Pose = window.Pose;
      if (!Pose) throw new Error('/mediapipe/pose.js did not define Pose');
      const pose: PoseSolution = new Pose({ locateFile: (f: string) => '/mediapipe/' + f });
      pose.setOptions({
        modelComplexity: 0,
        // Undocumented: CPU inference (XNNPACK), ~40 ms a frame even in headless Chromium.
        useCpuInference: true,
        smoothLandmarks: true,
        enableSegmentation: false,
        minDetectionConfidence: 0.5,
        minTrackingConfidence: 0.5,
      });
      pose.onResults((r) => {
        const l = r.poseLandmarks && r.poseLandmarks.length ? r.poseLandmarks : null;
        if (l) this.frames++;
        this.onLandmarks(l);
      });
      await pose.initialize();
      this.pose = pose;
      this.running = true;
      this.set('on');
      this.loop();
    } catch (e) {
      this.stop();
      this.set('error', e);
    }
  }

  private loop(): void {
    const v = this.video as HTMLVideoElement & {
      requestVideoFrameCallback?: (cb: () => void) => number;
    };
    const next = () => {
      if (!this.running) return;
      if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(frame);
      else requestAnimationFrame(frame);
    };
    const frame = async () => {
      if (!this.running || !this.pose) return;
      try {
        if (this.video.readyState >= 2) await this.pose.send({ image: this.video });
      } catch (e) {
        console.warn('pose detection failed on a frame', e);
      }
      next();
    };
    next();
  }

  stop(): void {
    this.running = false;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    this.video.srcObject = null;
    if (this.state !== 'error') this.set('off');
  }

  private set(s: CameraState, error?: unknown): void {
    this.state = s;
    this.onState(s, error);
  }
}
