// The QR scanner for photos and screenshots: its public operations, and nothing else.

export { classifyCode, type CodeKind } from './classify.ts';
export {
  type DecodeOptions,
  DEFAULT_MAX_CODES,
  decodeQrCodes,
  PHOTO_PASSES,
  type Preparation,
  type ScanPass,
} from './decode.ts';
export {
  decodeFrame,
  FRAME_SIDE,
  type FrameOptions,
  MAX_FRAME_PIXELS,
  type RgbaFrame,
} from './frame.ts';
export { assertGreyImage, type GreyImage } from './grey-image.ts';
export {
  decodeImage,
  type ImageFormat,
  MAX_IMAGE_BYTES,
  MAX_IMAGE_PIXELS,
  sniffImageFormat,
} from './image.ts';
export {
  createJsqrDecoder,
  jsqrDecoder,
  type QrDecodeAttempt,
  type QrDecoder,
  type QrHit,
} from './qr-decoder.ts';
export { NO_CODE_FOUND, type ScannedCode, scanImage } from './scan-image.ts';
