// A response's QR code drawn in the browser, as an image the operator holds up to the machine's
// camera or prints. Level M, as every Airlock QR code (docs/FORMATS.md §2).

import QRCode from 'qrcode';
import { h } from './dom.ts';

export async function qrImage(text: string, alt: string): Promise<HTMLImageElement> {
  const src = await QRCode.toDataURL(text, { errorCorrectionLevel: 'M', margin: 4, scale: 8 });
  return h('img', { class: 'response-qr', src, alt });
}

/** Copies text, falling back to selecting it where the clipboard API is not allowed (plain HTTP). */
export async function copyText(text: string, fallback: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(fallback);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return false;
  }
}
