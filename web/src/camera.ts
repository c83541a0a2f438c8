// Live scanning: the camera's video on the page, and frames handed to the scan worker one at a
// time (a new frame only once the worker has answered the last, so a slow machine skips frames
// instead of queueing them). Camera choice among the devices the browser lists.

import type { FrameAnswer, FrameRequest } from './scan-worker.ts';

/** Frames wider than this are drawn smaller before decoding: the decoder works at ~640 px anyway. */
const MAX_FRAME_WIDTH = 1280;

export interface CameraScanner {
  /** Starts the chosen camera (or the default, preferring one facing away from the user). */
  start(deviceId?: string): Promise<void>;
  stop(): void;
  /** The cameras the browser lists (their names appear once camera access has been granted). */
  cameras(): Promise<MediaDeviceInfo[]>;
  readonly running: boolean;
  /** The camera in use, if any. */
  readonly deviceId: string | undefined;
}

export interface CameraOptions {
  readonly video: HTMLVideoElement;
  /** Each text read; return true to stop scanning (the code was the one wanted). */
  readonly onText: (text: string) => boolean;
  /** Decoding statistics, for the status line. */
  readonly onFrame?: (answer: FrameAnswer) => void;
}

/** Why the camera could not be started, as a sentence for the operator. */
export function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
      return 'The browser was not allowed to use the camera. Allow camera access for this page (the camera icon in the address bar), or upload a photo or type the code instead.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found. Connect a webcam, or upload a photo or type the code instead.';
    case 'NotReadableError':
      return 'The camera is in use by another program, or could not be started. Close the other program and try again.';
    default:
      return window.isSecureContext
        ? 'The camera could not be started. Upload a photo or type the code instead.'
        : 'Browsers only allow the camera on pages served over HTTPS or from this computer (localhost). Open the console over HTTPS, or upload a photo or type the code instead.';
  }
}

export function createCameraScanner(options: CameraOptions): CameraScanner {
  const { video } = options;
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  let worker: Worker | undefined;
  let stream: MediaStream | undefined;
  let running = false;
  let busy = false;
  let nextId = 1;
  let timer: number | undefined;

  function scheduleFrame(): void {
    if (!running) return;
    // requestVideoFrameCallback is not everywhere; a short timer works in every browser.
    timer = window.setTimeout(sendFrame, busy ? 30 : 0);
  }

  function sendFrame(): void {
    if (!running || worker === undefined) return;
    if (busy || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) {
      scheduleFrame();
      return;
    }
    const scale = Math.min(1, MAX_FRAME_WIDTH / video.videoWidth);
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    context.drawImage(video, 0, 0, width, height);
    const { data } = context.getImageData(0, 0, width, height);
    const request: FrameRequest = { id: nextId++, data, width, height };
    busy = true;
    worker.postMessage(request, [data.buffer]);
  }

  function onAnswer(event: MessageEvent<FrameAnswer>): void {
    busy = false;
    if (!running) return;
    options.onFrame?.(event.data);
    if (event.data.text !== null && options.onText(event.data.text)) {
      stop();
      return;
    }
    scheduleFrame();
  }

  function stop(): void {
    running = false;
    window.clearTimeout(timer);
    for (const track of stream?.getTracks() ?? []) track.stop();
    stream = undefined;
    video.srcObject = null;
    worker?.terminate();
    worker = undefined;
    busy = false;
  }

  return {
    get running() {
      return running;
    },
    get deviceId() {
      return stream?.getVideoTracks()[0]?.getSettings().deviceId;
    },
    async start(deviceId) {
      stop();
      if (!navigator.mediaDevices?.getUserMedia) {
        throw new DOMException('no mediaDevices', 'SecurityError');
      }
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: {
          ...(deviceId === undefined
            ? { facingMode: { ideal: 'environment' } }
            : { deviceId: { exact: deviceId } }),
          width: { ideal: 1280 },
          height: { ideal: 720 },
        },
      });
      video.srcObject = stream;
      video.muted = true;
      video.playsInline = true;
      await video.play();
      worker = new Worker(new URL('scan-worker.js', document.baseURI), { type: 'module' });
      worker.onmessage = onAnswer;
      running = true;
      scheduleFrame();
    },
    stop,
    async cameras() {
      const devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
      return devices.filter((d) => d.kind === 'videoinput');
    },
  };
}
