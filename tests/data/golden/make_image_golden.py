#!/usr/bin/env python3
"""Golden files for the image decoders and the resize (tests/data/image_codec_test.cpp):
a PNG and a JPEG of a fixed pseudo-random picture, and what PIL (the library torchvision's
ImageFolder and Resize use) decodes from them and resizes them to, as raw RGB bytes.

Run with Debian's python3 (python3-pil): /usr/bin/python3 make_image_golden.py
"""
import random

from PIL import Image

random.seed(7)
W, H = 23, 17
pixels = [(random.randrange(256), random.randrange(256), random.randrange(256)) for _ in range(W * H)]
# Smooth areas too, so the JPEG has something besides noise.
for y in range(H):
    for x in range(W // 2):
        pixels[y * W + x] = (x * 20 % 256, y * 15 % 256, (x + y) * 9 % 256)
image = Image.new("RGB", (W, H))
image.putdata(pixels)
image.save("picture.png")
image.save("picture.jpg", quality=85)

def raw(im, name):
    with open(name, "wb") as f:
        f.write(im.convert("RGB").tobytes())  # interleaved rows, H x W x 3

raw(Image.open("picture.png"), "picture_png.rgb")
raw(Image.open("picture.jpg"), "picture_jpg.rgb")
for w, h in [(8, 6), (40, 31), (23, 9), (5, 17)]:
    raw(Image.open("picture.png").resize((w, h), Image.BILINEAR), f"picture_{w}x{h}.rgb")
# A grayscale PNG: decoded as RGB, the gray value in all three channels.
gray = Image.new("L", (4, 3))
gray.putdata([i * 20 for i in range(12)])
gray.save("gray.png")
raw(Image.open("gray.png"), "gray_png.rgb")
