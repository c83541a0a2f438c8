// The scanner's Web Worker: camera frames are decoded here, off the page's thread, so the page
// stays responsive while a frame is being read. One frame in, one answer out, in order.

import { decodeFrame } from '../../src/scan/frame.ts';

/** What the page sends: one RGBA frame, its buffer transferred. */
export interface FrameRequest {
  readonly id: number;
  readonly data: Uint8ClampedArray;
  readonly width: number;
  readonly height: number;
}

/** What the worker answers: the QR code's text, or null, and how long the decoding took. */
export interface FrameAnswer {
  readonly id: number;
  readonly text: string | null;
  readonly ms: number;
  /** Set when decoding failed unexpectedly; the page keeps scanning. */
  readonly error?: string;
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<FrameRequest>) => void) | null;
  postMessage(message: FrameAnswer): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const { id, data, width, height } = event.data;
  const started = performance.now();
  try {
    const text = decodeFrame({ data, width, height }) ?? null;
    scope.postMessage({ id, text, ms: performance.now() - started });
  } catch (error) {
    scope.postMessage({
      id,
      text: null,
      ms: performance.now() - started,
      error: error instanceof Error ? error.message : String(error),
    });
  }
};
