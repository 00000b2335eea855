// Regenerates icons/lark.png (64x64 RGBA): a rounded blue tile with a white message bubble.
// Run: node icons/generate-icon.mjs
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';

const W = 64, H = 64;
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};
const inRoundRect = (x, y, x0, y0, x1, y1, r) => {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r), cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
};
const raw = Buffer.alloc((W * 4 + 1) * H);
for (let y = 0; y < H; y++) {
  raw[y * (W * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < W; x++) {
    const px = x + 0.5, py = y + 0.5, o = y * (W * 4 + 1) + 1 + x * 4;
    let rgba = [0, 0, 0, 0];
    if (inRoundRect(px, py, 0, 0, 64, 64, 14)) rgba = [51 - (y >> 2), 112 + (x >> 2), 255, 255];
    const bubble = inRoundRect(px, py, 14, 16, 50, 42, 8);
    const tail = py >= 40 && py <= 50 && px >= 20 && px <= 30 && px - 20 <= (50 - py);
    if (bubble || tail) rgba = [255, 255, 255, 255];
    if (bubble && py > 24 && py < 27 && px > 21 && px < 43) rgba = [51, 112, 255, 255];
    if (bubble && py > 31 && py < 34 && px > 21 && px < 36) rgba = [51, 112, 255, 255];
    raw.set(rgba, o);
  }
}
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(W, 0); ihdr.writeUInt32BE(H, 4);
ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0; // 8-bit RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./lark.png', import.meta.url), png);
console.log(`icons/lark.png: ${png.length} bytes`);
