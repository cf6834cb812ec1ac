"""Recording frames: an animated GIF (Pillow), an MP4 (imageio-ffmpeg, when installed), or a PNG.

GIF frames are quantised to a palette as they arrive (a quarter of the memory of RGB) and
written on close; MP4 frames stream to ffmpeg. A .png keeps only the last frame (a screenshot
from the headless mode, e.g. the README's).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from addsim._errors import shown
from addsim._files import atomic_write

SUFFIXES = (".gif", ".mp4", ".png")
MAX_GIF_FRAMES = 3000


def has_ffmpeg() -> bool:
    """Whether imageio-ffmpeg is installed (MP4 recording)."""
    return importlib.util.find_spec("imageio_ffmpeg") is not None


def check_path(path: Path) -> str | None:
    """Why ``path`` cannot take a recording (one line), or None when it can."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        return f"got {shown(str(path))}, expected a file ending in {', '.join(SUFFIXES)}"
    if suffix == ".mp4" and not has_ffmpeg():
        return "MP4 needs imageio-ffmpeg (pip install 'addsim[video]'); or record a .gif"
    if os.path.isdir(path):
        return f"{shown(str(path))} is a folder, expected a file name"
    return None


class Recorder:
    """Collects RGB frames (bytes, width, height) and writes them to a GIF, MP4 or PNG."""

    def __init__(self, path: Path, fps: int = 30) -> None:
        self.path, self.fps = path, fps
        self.kind = path.suffix.lower().lstrip(".")
        self.frames: list[Any] = []
        self.count = 0
        self._writer: Any = None
        self._last: Any = None

    def add(self, rgb: bytes, size: tuple[int, int]) -> None:
        """Append one frame of packed RGB bytes of the given (width, height)."""
        from PIL import Image

        self.count += 1
        if self.kind == "png":
            self._last = (rgb, size)
        elif self.kind == "mp4":
            if self._writer is None:
                import imageio_ffmpeg

                w, h = size
                self._size = (w - w % 2, h - h % 2)  # yuv420p needs even sides
                # ffmpeg streams into a hidden file beside the destination, renamed over it on
                # close: never half a video at the path (the suffix tells ffmpeg the format)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._part = self.path.with_name(f".{self.path.stem}.{os.getpid()}.part.mp4")
                self._writer = imageio_ffmpeg.write_frames(
                    str(self._part), self._size, fps=self.fps, macro_block_size=1
                )
                self._writer.send(None)
            img = Image.frombytes("RGB", size, rgb)
            if img.size != self._size:
                img = img.crop((0, 0, *self._size))
            self._writer.send(img.tobytes())
        elif len(self.frames) < MAX_GIF_FRAMES:
            img = Image.frombytes("RGB", size, rgb)
            self.frames.append(img.quantize(colors=64, method=Image.Quantize.FASTOCTREE))

    @property
    def full(self) -> bool:
        """A GIF holds at most MAX_GIF_FRAMES frames (memory); further frames are dropped."""
        return self.kind == "gif" and len(self.frames) >= MAX_GIF_FRAMES

    def close(self) -> Path | None:
        """Write the file (atomically for GIF and PNG); returns its path, None if empty."""
        from PIL import Image

        if self.kind == "mp4":
            if self._writer is None:
                return None
            self._writer.close()
            os.replace(self._part, self.path)
            return self.path
        if self.kind == "png":
            if self._last is None:
                return None
            rgb, size = self._last
            return atomic_file(
                self.path, lambda p: Image.frombytes("RGB", size, rgb).save(p, "PNG")
            )
        if not self.frames:
            return None
        first, rest = self.frames[0], self.frames[1:]
        duration = round(1000 / self.fps)
        return atomic_file(self.path, lambda p: first.save(
            p, "GIF", save_all=True, append_images=rest, duration=duration, loop=0,
            optimize=False, disposal=1,
        ))


def atomic_file(path: Path, write: Any) -> Path:
    """Create ``path``'s folder if needed, then write it atomically (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, write)
