import { encodePng } from "./png.js";

/** Inside a shield: flat top, straight sides, curving to a point (coordinates in 0..1). */
function inShield(u: number, v: number): boolean {
  if (v < 0.12 || v > 0.92 || u < 0.18 || u > 0.82) return false;
  if (v < 0.55) return true;
  const half = 0.32 * Math.sqrt(Math.max(0, 1 - ((v - 0.55) / 0.37) ** 2));
  return Math.abs(u - 0.5) <= half;
}

/** The colour icon (192x192): a white shield on Warden's blue. */
export function colorIcon(): Buffer {
  return encodePng(192, 192, (x, y) =>
    inShield(x / 192, y / 192) ? [255, 255, 255, 255] : [31, 78, 121, 255],
  );
}

/** The outline icon (32x32): the shield in white on transparent, as Teams requires. */
export function outlineIcon(): Buffer {
  return encodePng(32, 32, (x, y) => {
    const u = (x + 0.5) / 32;
    const v = (y + 0.5) / 32;
    const edge = inShield(u, v) && !inShield(0.5 + (u - 0.5) * 1.25, 0.5 + (v - 0.5) * 1.12);
    return edge ? [255, 255, 255, 255] : [0, 0, 0, 0];
  });
}
