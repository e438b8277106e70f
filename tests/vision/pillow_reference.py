#!/usr/bin/python3
"""Pillow's side of tests/vision/test_pillow_differential.cpp.

usage: pillow_reference.py PHOTO_DIR OUT_DIR

For every PNG and JPEG in PHOTO_DIR (Debian python3-skimage's data/ folder), does what Hugging
Face's Gemma4ImageProcessorPil does before rescaling: Image.open, convert("RGB") (HF convert_rgb),
and for each budget S in 70..1120 the aspect-ratio-preserving target size and
Image.resize((Wt, Ht), BICUBIC). Writes, losslessly as PNG:
  OUT_DIR/<photo>.decoded.png      Pillow's decoded RGB pixels (libjpeg-turbo for JPEG)
  OUT_DIR/<photo>.<S>.png          Pillow's resize (absent when the photo is already at target)
and OUT_DIR/manifest.txt with one line per (photo, S): file S H W Ht Wt resized(0/1) mode;
and chelsea.png re-encoded by Pillow as GIF, BMP, TGA, PPM, PGM and JPEG (format.<ext>) with
Pillow's decode of each (format.<ext>.decoded.png), listed in formats.txt.
"""
import math
import os
import sys

from PIL import Image

BUDGETS = (70, 140, 280, 560, 1120)


def target_size(h, w, budget, patch=16, pool=3):
    """HF get_aspect_ratio_preserving_size (float64 arithmetic, as Python does it)."""
    max_patches = budget * pool * pool
    target_px = max_patches * patch * patch
    f = math.sqrt(target_px / (h * w))
    side = pool * patch
    th = int(math.floor(f * h / side)) * side
    tw = int(math.floor(f * w / side)) * side
    max_side = (max_patches // (pool * pool)) * side
    if th == 0 and tw == 0:
        raise ValueError("0x0")
    if th == 0:
        th, tw = side, min(int(math.floor(w / h)) * side, max_side)
    elif tw == 0:
        th, tw = min(int(math.floor(h / w)) * side, max_side), side
    assert th * tw <= target_px
    return th, tw


def main():
    photo_dir, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    lines = []
    for name in sorted(os.listdir(photo_dir)):
        if not name.endswith((".png", ".jpg")):
            continue
        try:
            im = Image.open(os.path.join(photo_dir, name))
            im.load()
        except OSError:  # skimage ships a deliberately truncated.jpg
            continue
        rgb = im if im.mode == "RGB" else im.convert("RGB")
        rgb.save(os.path.join(out_dir, name + ".decoded.png"))
        w, h = rgb.size
        for s in BUDGETS:
            th, tw = target_size(h, w, s)
            resized = (th, tw) != (h, w)
            if resized:
                rgb.resize((tw, th), Image.BICUBIC).save(os.path.join(out_dir, f"{name}.{s}.png"))
            lines.append(f"{name} {s} {h} {w} {th} {tw} {int(resized)} {im.mode}\n")
    # The other formats stb reads, written by Pillow from one photo, with Pillow's own decode.
    src = Image.open(os.path.join(photo_dir, "chelsea.png")).convert("RGB")
    samples = {"gif": src.quantize(colors=256), "bmp": src, "tga": src, "ppm": src,
               "pgm": src.convert("L"), "jpg": src}
    formats = []
    for ext, im in samples.items():
        path = os.path.join(out_dir, "format." + ext)
        im.save(path)
        Image.open(path).convert("RGB").save(path + ".decoded.png")
        formats.append(ext + "\n")
    with open(os.path.join(out_dir, "formats.txt"), "w") as f:
        f.writelines(formats)
    with open(os.path.join(out_dir, "manifest.txt"), "w") as f:
        f.writelines(lines)
    print(f"pillow_reference: {len(lines)} (photo, budget) pairs in {out_dir}")


if __name__ == "__main__":
    main()
