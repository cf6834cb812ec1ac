"""The viewer window: the network coloured by status, prevalence curves, a person panel.

Left, the network: positions from viz.layout (cached per graph), edges rasterised once into a
background surface (again only on zoom, pan or resize), nodes written into the pixels with numpy
each frame (fast enough for 20,000 nodes at 30+ fps). Right, the prevalence curves of the whole
population with the current tick and interventions marked, and the legend. Bottom, a status
line with the time in years when the source knows it. Onsets, relapses, cessations and new
people (a leaver replaced: an age that fell, or a person back to never-exposed) flash as rings
for a moment; ``a`` filters by age band (sources with ages). The viewer draws from a
:class:`viz.source.FrameSource` and imports no model code.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from addsim.viz import layout as _layout
from addsim.viz.record import Recorder, has_ffmpeg
from addsim.viz.source import FrameSource, Person

SPEEDS = (1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1000)  # ticks per second
MAX_TICKS_PER_FRAME = 50  # a slow model at a high speed lowers the speed, not the frame rate
BG = (18, 19, 26)
PANEL = (28, 30, 40)
TEXT = (225, 228, 235)
DIM = (140, 145, 160)
EDGE = (95, 105, 140)
MARK = (255, 160, 40)
COLOURS = {
    "never_exposed": (95, 98, 112),
    "exposed": (70, 140, 235),
    "user": (240, 200, 60),
    "addicted": (235, 60, 50),
    "abstinent": (60, 205, 120),
    "relapsed": (205, 80, 225),
}
FALLBACK = ((160, 160, 160), (0, 200, 200), (200, 120, 0), (120, 0, 200))
DRAW_ORDER = ("never_exposed", "exposed", "abstinent", "user", "relapsed", "addicted")
FLASH_FRAMES = 12  # a flash ring lasts this many frames
FLASH_COLOURS = {"onset": (255, 90, 70), "relapse": (235, 120, 255),
                 "cessation": (90, 255, 150), "new": (255, 255, 255)}
FLASH_KINDS = tuple(FLASH_COLOURS)
AGE_BANDS = ((0.0, 200.0, "all ages"), (0.0, 18.0, "12-17"), (18.0, 26.0, "18-25"),
             (26.0, 35.0, "26-34"), (35.0, 50.0, "35-49"), (50.0, 65.0, "50-64"),
             (65.0, 200.0, "65+"))
HELP = (
    ("space", "play / pause"),
    ("right / left", "one tick forward / back (back: replay only)"),
    ("up / down", "faster / slower"),
    ("tab", "next activity"),
    ("a", "age filter: all, 12-17, 18-25, ..., 65+ (sources with ages)"),
    ("wheel, drag", "zoom, pan"),
    ("click a person", "person panel (click empty space to close)"),
    ("t", "treatment wave now (live)"),
    ("s", "save a screenshot PNG"),
    ("r", "start / stop recording"),
    ("h", "show / hide these keys"),
    ("esc", "quit"),
)


def _pygame() -> Any:
    import pygame  # lazy: no work (or SDL) at import time

    return pygame


class Viewer:
    """One viewer window over a frame source; ``step_frame`` handles events and draws once."""

    def __init__(
        self, source: FrameSource, size: tuple[int, int] = (1280, 720), headless: bool = False,
        fps: int = 30, speed: float = 30.0, node_limit: int = 20_000, out_dir: Path = Path("."),
        record: Path | None = None,
    ) -> None:
        if headless:
            os.environ["SDL_VIDEODRIVER"] = "dummy"
            os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
        pg = self.pg = _pygame()
        pg.display.init()
        pg.font.init()
        flags = 0 if headless else pg.RESIZABLE
        self.screen = pg.display.set_mode(size, flags)
        pg.display.set_caption(f"addsim: {source.title}")
        self.source, self.headless, self.fps = source, headless, fps
        self.speed = float(speed)
        self.out_dir = out_dir
        self.font = pg.font.Font(None, 20)
        self.small = pg.font.Font(None, 17)
        self.big = pg.font.Font(None, 26)
        self.clock = pg.time.Clock()
        self.activity = 0
        self.playing = True
        self.running = True
        self.show_help = False
        self.selected: int | None = None
        self.frame = 0
        self._acc = 0.0
        self._message = ("", 0.0)
        self._drag: tuple[int, int, float, float] | None = None
        self._last_record: Path | None = None
        self.recorder = Recorder(record, fps) if record is not None else None
        self._record_arg = record is not None
        # the drawn sample and its layout
        n = source.n
        edges = source.edges()
        self.sample = _layout.snowball_sample(n, edges, node_limit)
        if self.sample.size < n:
            edges = _layout.induced_edges(self.sample, n, edges)
            path = source.layout_path()
            path = path.with_name(f"{path.stem}-sample{node_limit}{path.suffix}") if path else None
        else:
            path = source.layout_path()
        t0 = time.perf_counter()
        self.pos = _layout.cached_layout(self.sample.size, edges, path)
        self.layout_seconds = time.perf_counter() - t0
        self.edges = edges
        self.zoom, self.pan = 1.0, np.zeros(2)
        self._status_colours = self._colours()
        self.age_band = 0  # index into AGE_BANDS
        self._seen: tuple[int, int, np.ndarray, np.ndarray | None] | None = None
        self._flash_left = np.zeros(self.sample.size, dtype=np.int64)
        self._flash_kind = np.zeros(self.sample.size, dtype=np.int64)
        self._geometry()

    # ------------------------------------------------------------------ geometry
    def _colours(self) -> np.ndarray:
        cols = [COLOURS.get(s, FALLBACK[i % len(FALLBACK)])
                for i, s in enumerate(self.source.statuses)]
        return np.array(cols, dtype=np.uint8)

    def _geometry(self) -> None:
        """Panel rectangles for the current window size; marks the edges for redrawing."""
        pg = self.pg
        w, h = self.screen.get_size()
        line = 26
        nw = max(int(w * 0.6), 100)
        self.net_rect = pg.Rect(0, 0, nw, h - line)
        self.side_rect = pg.Rect(nw, 0, w - nw, h - line)
        self.line_rect = pg.Rect(0, h - line, w, line)
        self.net = pg.Surface(self.net_rect.size).convert() if pg.display.get_surface() else None
        self._bg_dirty = True
        self._bg_pan = self.pan.copy()

    def _transform(self) -> tuple[float, np.ndarray]:
        """World [0, 1]^2 -> network-panel pixels: scale and offset."""
        w, h = self.net_rect.size
        base = 0.92 * min(w, h)
        scale = base * self.zoom
        offset = np.array([w / 2, h / 2]) - scale * 0.5 + self.pan
        return scale, offset

    def node_screen(self, index: int) -> tuple[int, int] | None:
        """Window pixel of individual ``index`` (None when not drawn)."""
        k = int(np.searchsorted(self.sample, index))
        if k >= self.sample.size or self.sample[k] != index:
            return None
        scale, offset = self._transform()
        x, y = self.pos[k] * scale + offset
        return round(x) + self.net_rect.x, round(y) + self.net_rect.y

    def _radius(self) -> int:
        w, h = self.net_rect.size
        r = 0.28 * min(w, h) * self.zoom / np.sqrt(max(self.sample.size, 1))
        return int(np.clip(r, 1, 8))

    def pick(self, x: int, y: int) -> int | None:
        """The individual drawn nearest window pixel (x, y), if within its radius + 3 px."""
        if not self.net_rect.collidepoint(x, y) or self.sample.size == 0:
            return None
        scale, offset = self._transform()
        p = self.pos * scale + offset
        d2 = ((p - (x - self.net_rect.x, y - self.net_rect.y)) ** 2).sum(axis=1)
        k = int(np.argmin(d2))
        return int(self.sample[k]) if d2[k] <= (self._radius() + 3) ** 2 else None

    # ------------------------------------------------------------------ drawing
    def _draw_edges(self) -> None:
        """Rasterise every drawn edge into the background (additive, so density shows)."""
        pg = self.pg
        w, h = self.net_rect.size
        scale, offset = self._transform()
        acc = np.zeros(w * h, dtype=np.float32)
        if self.edges.size:
            p = self.pos * scale + offset
            a, b = p[self.edges[:, 0]], p[self.edges[:, 1]]
            vis = ~(((a[:, 0] < 0) & (b[:, 0] < 0)) | ((a[:, 0] >= w) & (b[:, 0] >= w))
                    | ((a[:, 1] < 0) & (b[:, 1] < 0)) | ((a[:, 1] >= h) & (b[:, 1] >= h)))
            a, b = a[vis], b[vis]
            length = np.ceil(np.abs(b - a).max(axis=1)).astype(np.int64) + 1
            length = np.minimum(length, 2 * max(w, h))
            budget = 8_000_000
            if length.sum() > budget:  # very dense views: thin the samples, keep every edge
                length = np.maximum((length * (budget / length.sum())).astype(np.int64), 2)
            idx = np.repeat(np.arange(length.size), length)
            start = np.cumsum(length) - length
            t = (np.arange(idx.size) - start[idx]) / np.maximum(length[idx] - 1, 1)
            pts = a[idx] + (b[idx] - a[idx]) * t[:, None].astype(np.float32)
            x, y = pts[:, 0].astype(np.int64), pts[:, 1].astype(np.int64)
            ok = (x >= 0) & (x < w) & (y >= 0) & (y < h)
            acc += np.bincount(x[ok] * h + y[ok], minlength=w * h).astype(np.float32)
        alpha = (1.0 - np.exp(-0.35 * acc)).reshape(w, h, 1)
        rgb = np.array(BG, np.float32) + alpha * (np.array(EDGE, np.float32) - BG)
        self.bg = pg.Surface((w, h)).convert()
        pg.surfarray.blit_array(self.bg, rgb.astype(np.uint8))
        self._bg_dirty = False
        self._bg_pan = self.pan.copy()

    def _draw_network(self) -> None:
        pg = self.pg
        if self._bg_dirty:
            self._draw_edges()
        net = self.net
        net.fill(BG)
        net.blit(self.bg, tuple((self.pan - self._bg_pan).astype(int)))
        status = self.source.status(self.activity)[self.sample]
        ages = self._ages()
        self._update_flashes(status, ages)
        scale, offset = self._transform()
        p = (self.pos * scale + offset).astype(np.int64)
        r = self._radius()
        dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
        disc = dx * dx + dy * dy <= r * r + r * 0.8
        dx, dy = dx[disc], dy[disc]
        rank = np.zeros(len(self.source.statuses), dtype=np.int64)
        for i, s in enumerate(self.source.statuses):
            rank[i] = DRAW_ORDER.index(s) if s in DRAW_ORDER else len(DRAW_ORDER)
        order = np.argsort(rank[status], kind="stable")  # important statuses drawn on top
        p, status = p[order], status[order]
        w, h = self.net_rect.size
        xs = (p[:, 0:1] + dx).ravel()
        ys = (p[:, 1:2] + dy).ravel()
        mapped = np.array([net.map_rgb(tuple(c)) for c in self._status_colours], dtype=np.int64)
        node_col = mapped[status]
        if ages is not None and self.age_band:
            lo, hi, _ = AGE_BANDS[self.age_band]
            outside = ~((ages[order] >= lo) & (ages[order] < hi))
            node_col[outside] = net.map_rgb(PANEL)  # other ages fade into the background
        col = np.repeat(node_col, dx.size)
        ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        px = pg.surfarray.pixels2d(net)
        px[xs[ok], ys[ok]] = col[ok].astype(px.dtype)
        del px
        self._draw_flashes(net, scale, offset, r)
        if self.selected is not None:
            pos = self.node_screen(self.selected)
            if pos is not None:
                pg.draw.circle(net, (255, 255, 255), (pos[0] - self.net_rect.x,
                               pos[1] - self.net_rect.y), r + 4, 2)
        if self.sample.size < self.source.n:
            self._text(net, f"showing a sample of {self.sample.size:,} of {self.source.n:,} "
                       "people (curves: everyone)", (8, h - 22), MARK)
        self.screen.blit(net, self.net_rect.topleft)

    def _ages(self) -> np.ndarray | None:
        """Ages of the drawn sample (None: the source has none)."""
        ages = getattr(self.source, "ages", None)
        return None if ages is None else np.asarray(ages())[self.sample]

    def _update_flashes(self, status: np.ndarray, ages: np.ndarray | None) -> None:
        """Start a flash for each drawn person whose status or age changed since the last
        frame: onset (to addicted), relapse, cessation (to abstinent), a new person."""
        self._flash_left = np.maximum(self._flash_left - 1, 0)
        seen, now = self._seen, (self.activity, self.source.tick)
        self._seen = (*now, status.copy(), None if ages is None else ages.copy())
        if seen is None or seen[:2] == now or seen[0] != self.activity or now[1] < seen[1]:
            return  # first frame, same tick, another activity, or scrubbed back
        names = self.source.statuses
        code = {name: names.index(name) if name in names else -1
                for name in ("addicted", "relapsed", "abstinent", "never_exposed")}
        prev, prev_ages = seen[2], seen[3]
        new = (status == code["never_exposed"]) & (prev != code["never_exposed"])
        if ages is not None and prev_ages is not None:
            new |= ages < prev_ages
        kinds = (
            ("onset", (status == code["addicted"]) & (prev != code["addicted"])),
            ("relapse", (status == code["relapsed"]) & (prev != code["relapsed"])),
            ("cessation", (status == code["abstinent"]) & (prev != code["abstinent"])),
            ("new", new),
        )
        for kind, hit in kinds:
            self._flash_left[hit] = FLASH_FRAMES
            self._flash_kind[hit] = FLASH_KINDS.index(kind)

    def _draw_flashes(self, net: Any, scale: float, offset: np.ndarray, r: int) -> None:
        """Rings around the people whose flash is running (at most 2,000 per frame)."""
        idx = np.flatnonzero(self._flash_left)[:2000]
        if not idx.size:
            return
        p = (self.pos[idx] * scale + offset).astype(np.int64)
        for (x, y), k, left in zip(p, self._flash_kind[idx], self._flash_left[idx],
                                   strict=True):
            grow = r + 2 + (FLASH_FRAMES - left) // 2
            self.pg.draw.circle(net, FLASH_COLOURS[FLASH_KINDS[k]], (int(x), int(y)), grow, 2)

    def flashing(self) -> dict[str, int]:
        """People flashing now, per kind (onset, relapse, cessation, new)."""
        on = self._flash_left > 0
        return {k: int((on & (self._flash_kind == i)).sum()) for i, k in enumerate(FLASH_KINDS)}

    def _text(self, surf: Any, text: str, at: tuple[int, int], colour: tuple = TEXT,
              font: Any = None) -> int:
        img = (font or self.font).render(text, True, colour)
        surf.blit(img, at)
        return img.get_width()

    def _draw_curves(self) -> None:
        pg, scr = self.pg, self.screen
        side = self.side_rect
        pg.draw.rect(scr, PANEL, side)
        names = self.source.statuses
        act = self.source.activities[self.activity]
        self._text(scr, f"prevalence: {act}", (side.x + 12, 10), TEXT, self.big)
        plot = pg.Rect(side.x + 48, 42, side.w - 64, int(side.h * 0.55))
        pg.draw.rect(scr, BG, plot)
        pg.draw.rect(scr, DIM, plot, 1)
        prev = self.source.prevalence(self.activity)
        horizon = max(self.source.horizon, 1)
        n = max(self.source.n, 1)
        for frac in (0.0, 0.5, 1.0):
            y = plot.bottom - frac * plot.h
            self._text(scr, f"{frac:.0%}", (side.x + 8, int(y) - 7), DIM, self.small)
        self._text(scr, "0", (plot.x, plot.bottom + 4), DIM, self.small)
        ypt = getattr(self.source, "years_per_tick", None)
        label = f"{horizon} ticks" if ypt is None else f"{horizon * ypt:.1f} years"
        self._text(scr, label, (plot.right - self.small.size(label)[0], plot.bottom + 4), DIM,
                   self.small)
        for t, text in self.source.markers(self.activity):
            x = plot.x + t / horizon * plot.w
            if plot.x <= x <= plot.right:
                for y0 in range(plot.y, plot.bottom, 8):
                    pg.draw.line(scr, MARK, (x, y0), (x, min(y0 + 4, plot.bottom)))
                self._text(scr, text, (int(x) + 3, plot.y + 3), MARK, self.small)
        if len(prev):
            t = np.arange(1, len(prev) + 1)
            step = max(1, len(prev) // plot.w)
            t, rows = t[::step], prev[::step]
            xs = plot.x + t / horizon * plot.w
            for s in range(len(names)):
                ys = plot.bottom - rows[:, s] / n * plot.h
                pts = np.stack([xs, ys], axis=1)
                if len(pts) >= 2:
                    pg.draw.lines(scr, tuple(self._status_colours[s]), False, pts.tolist(), 2)
        x = plot.x + self.source.tick / horizon * plot.w
        if x <= plot.right:
            pg.draw.line(scr, (255, 255, 255), (x, plot.y), (x, plot.bottom), 1)
        # legend with the counts at the shown tick
        counts = np.bincount(self.source.status(self.activity), minlength=len(names))
        y = plot.bottom + 26
        for s, name in enumerate(names):
            pg.draw.rect(scr, tuple(self._status_colours[s]), (side.x + 16, y + 3, 12, 12))
            self._text(scr, f"{name.replace('_', ' ')}", (side.x + 36, y))
            count = f"{counts[s]:,}  ({counts[s] / n:.1%})"
            self._text(scr, count, (side.right - 16 - self.font.size(count)[0], y))
            y += 20
        self._text(scr, self.source.title, (side.x + 16, y + 6), DIM, self.small)

    def _draw_person(self, person: Person) -> None:
        pg, scr = self.pg, self.screen
        names = self.source.statuses
        lines: list[tuple[str, tuple]] = [
            (f"person {person.index}  (degree {person.degree}"
             + ("" if person.age is None else f", age {person.age:.1f}") + ")", TEXT),
            (f"status: {names[person.status].replace('_', ' ')}",
             tuple(self._status_colours[person.status])),
            (f"latent states: {'?' if person.n_latent is None else person.n_latent}", TEXT),
        ]
        if person.action_values:
            lines.append(("action values: " + ", ".join(
                f"{k} {v:.2f}" for k, v in person.action_values.items()), TEXT))
        if person.planner:
            lines.append(("planner: " + ", ".join(
                f"{k} {v:.2f}" for k, v in person.planner.items()), TEXT))
        lines.append(("risk factors:", DIM))
        lines += [(f"  {k.replace('_', ' ')}: {v:.3g}", TEXT)
                  for k, v in person.risk_factors.items()]
        if person.note:
            lines.append((person.note, DIM))
        width = 20 + max(self.small.size(t)[0] for t, _ in lines)
        width = max(width, 260)
        height = 16 + 17 * len(lines) + 40
        box = pg.Rect(self.net_rect.x + 10, self.net_rect.y + 10, width, height)
        panel = pg.Surface(box.size, pg.SRCALPHA)
        panel.fill((*PANEL, 235))
        scr.blit(panel, box.topleft)
        pg.draw.rect(scr, DIM, box, 1)
        y = box.y + 8
        for text, colour in lines:
            self._text(scr, text, (box.x + 10, y), colour, self.small)
            y += 17
        self._text(scr, "status history:", (box.x + 10, y + 2), DIM, self.small)
        strip = pg.Rect(box.x + 10, y + 18, box.w - 20, 14)
        hist = person.history
        if hist is None or len(hist) == 0:
            self._text(scr, "(none yet)" if hist is not None else "(not kept)",
                       (box.x + 110, y + 2), DIM, self.small)
            return
        horizon = max(self.source.horizon, len(hist), 1)
        cols = np.minimum((np.arange(len(hist)) / horizon * strip.w).astype(int), strip.w - 1)
        img = np.zeros((strip.w, strip.h, 3), dtype=np.uint8)
        img[:] = BG
        img[cols] = self._status_colours[hist][:, None, :]
        surf = pg.surfarray.make_surface(img)
        scr.blit(surf, strip.topleft)
        pg.draw.rect(scr, DIM, strip, 1)

    def _draw_status_line(self) -> None:
        pg, scr = self.pg, self.screen
        pg.draw.rect(scr, PANEL, self.line_rect)
        src = self.source
        state = "playing" if self.playing else "paused"
        counts = np.bincount(src.status(self.activity), minlength=len(src.statuses))
        short = {"never_exposed": "never", "abstinent": "abstin."}
        ypt = getattr(src, "years_per_tick", None)
        when = f"tick {src.tick}" if ypt is None else f"year {src.tick * ypt:.1f} (tick {src.tick})"
        parts = [when, f"{state} at {self.speed:g} ticks/s",
                 src.activities[self.activity],
                 "  ".join(f"{short.get(s, s)} {c:,}" for s, c in zip(src.statuses, counts,
                                                                       strict=False))]
        if self.age_band:
            parts.append(f"ages {AGE_BANDS[self.age_band][2]}")
        if self.recorder is not None and not self._record_arg:
            parts.append(f"REC {self.recorder.count}")
        text = "  |  ".join(parts)
        message, until = self._message
        if message and (time.monotonic() < until or self.headless):
            text = f"{text}  |  {message}"
        self._text(scr, text, (8, self.line_rect.y + 5), TEXT)
        hint = "h: keys"
        self._text(scr, hint, (self.line_rect.right - self.font.size(hint)[0] - 8,
                               self.line_rect.y + 5), DIM)

    def _draw_help(self) -> None:
        pg, scr = self.pg, self.screen
        w = 460
        h = 40 + 22 * len(HELP)
        box = pg.Rect(0, 0, w, h)
        box.center = self.net_rect.center
        pg.draw.rect(scr, PANEL, box)
        pg.draw.rect(scr, DIM, box, 1)
        self._text(scr, "keys", (box.x + 14, box.y + 10), TEXT, self.big)
        for i, (key, what) in enumerate(HELP):
            y = box.y + 38 + 22 * i
            self._text(scr, key, (box.x + 14, y), MARK)
            self._text(scr, what, (box.x + 150, y))

    def render(self) -> None:
        """Draw one frame into the window surface."""
        self.screen.fill(BG)
        self._draw_network()
        self._draw_curves()
        if self.selected is not None:
            self._draw_person(self.source.person(self.selected, self.activity))
        self._draw_status_line()
        if self.show_help:
            self._draw_help()

    # ------------------------------------------------------------------ events
    def flash(self, message: str, seconds: float = 3.0) -> None:
        """Show a message in the status line for a few seconds."""
        self._message = (message, time.monotonic() + seconds)

    def handle(self, event: Any) -> None:
        """React to one pygame event (keys, mouse, resize, quit)."""
        pg = self.pg
        if event.type == pg.QUIT:
            self.running = False
        elif event.type == pg.KEYDOWN:
            self._key(event.key)
        elif event.type == pg.MOUSEBUTTONDOWN and event.button == 1:
            x, y = event.pos
            hit = self.pick(x, y)
            if hit is not None:
                self.selected = hit
            elif self.net_rect.collidepoint(x, y):
                self._drag = (x, y, *self.pan)
        elif event.type == pg.MOUSEMOTION and self._drag is not None:
            x0, y0, px, py = self._drag
            self.pan = np.array([px + event.pos[0] - x0, py + event.pos[1] - y0])
        elif event.type == pg.MOUSEBUTTONUP and event.button == 1 and self._drag is not None:
            x0, y0 = self._drag[:2]
            if abs(event.pos[0] - x0) + abs(event.pos[1] - y0) < 4:
                self.selected = None  # a click on empty space closes the panel
            else:
                self._bg_dirty = True
            self._drag = None
        elif event.type == pg.MOUSEWHEEL:
            self._zoom(1.25 ** event.y, pg.mouse.get_pos())
        elif event.type in (pg.VIDEORESIZE, pg.WINDOWSIZECHANGED):
            if event.type == pg.VIDEORESIZE and not self.headless:
                self.screen = pg.display.get_surface()
            self._geometry()

    def _zoom(self, factor: float, at: tuple[int, int]) -> None:
        new = float(np.clip(self.zoom * factor, 0.2, 80.0))
        factor = new / self.zoom
        w, h = self.net_rect.size
        centre = np.array([w / 2, h / 2])
        mouse = np.array(at, dtype=float) - self.net_rect.topleft
        if not self.net_rect.collidepoint(*at):
            mouse = centre
        # keep the world point under the mouse fixed: offset' = m - f (m - offset)
        self.pan = (mouse - centre) - factor * (mouse - centre - self.pan)
        self.zoom = new
        self._bg_dirty = True

    def _key(self, key: int) -> None:
        pg, src = self.pg, self.source
        if key == pg.K_ESCAPE:
            self.running = False
        elif key == pg.K_SPACE:
            self.playing = not self.playing
            if self.playing and not src.live and src.tick >= src.horizon:
                src.advance(-src.tick)  # a finished replay plays again from the start
        elif key == pg.K_RIGHT:
            self.playing = False
            src.advance(1)
        elif key == pg.K_LEFT:
            self.playing = False
            if src.live:
                self.flash("a live model only goes forward (replay a run folder to go back)")
            else:
                src.advance(-1)
        elif key in (pg.K_UP, pg.K_DOWN):
            i = int(np.searchsorted(SPEEDS, self.speed))
            i = i + 1 if key == pg.K_UP else i - 1
            self.speed = float(SPEEDS[int(np.clip(i, 0, len(SPEEDS) - 1))])
            self._acc = 0.0
        elif key == pg.K_TAB:
            self.activity = (self.activity + 1) % len(src.activities)
        elif key == pg.K_a:
            if getattr(src, "ages", None) is None:
                self.flash("this source has no ages (view a config: live)")
            else:
                self.age_band = (self.age_band + 1) % len(AGE_BANDS)
                self.flash(f"showing {AGE_BANDS[self.age_band][2]}")
        elif key == pg.K_t:
            self.flash(src.treat())
        elif key == pg.K_s:
            self.flash(f"saved {self.screenshot()}")
        elif key == pg.K_r:
            self._toggle_recording()
        elif key == pg.K_h:
            self.show_help = not self.show_help

    def screenshot(self, path: Path | None = None) -> Path:
        """Save the current frame as PNG (default: OUT/addsim-tick-NNNNNN.png)."""
        if path is None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            path = self.out_dir / f"addsim-tick-{self.source.tick:06d}.png"
        self.pg.image.save(self.screen, str(path))
        return path

    def _toggle_recording(self) -> None:
        if self._record_arg:
            self.flash("already recording to --record; it is written on quit")
            return
        if self.recorder is None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            ext = "mp4" if has_ffmpeg() else "gif"
            path = self.out_dir / f"addsim-{time.strftime('%Y%m%d-%H%M%S')}.{ext}"
            self.recorder = Recorder(path, self.fps)
            self.flash(f"recording to {path}")
        else:
            written = self.recorder.close()
            self.recorder = None
            self.flash(f"saved {written}" if written else "nothing recorded")

    # ------------------------------------------------------------------ loop
    def update(self, dt: float) -> None:
        """Advance the source by speed x dt ticks while playing."""
        if not self.playing:
            return
        self._acc += self.speed * dt
        k = int(self._acc)
        self._acc -= k
        k = min(k, MAX_TICKS_PER_FRAME)
        if k:
            moved = self.source.advance(k)
            if not self.source.live and moved < k:
                self.playing = False  # end of the recording
                self.flash("end of the run: left/right scrub, space plays again")

    def step_frame(self) -> None:
        """Handle pending events, advance, draw, record and show one frame."""
        pg = self.pg
        for event in pg.event.get():
            self.handle(event)
        if not self.running:
            return
        dt = 1.0 / self.fps if self.headless else self.clock.tick(self.fps) / 1000.0
        self.update(dt)
        self.render()
        if self.recorder is not None and not self.recorder.full:
            size = self.screen.get_size()
            self.recorder.add(pg.image.tobytes(self.screen, "RGB"), size)
        if not self.headless:
            pg.display.flip()
        self.frame += 1

    def run(self, frames: int | None = None) -> dict[str, Any]:
        """Run until quit (or ``frames`` frames); writes any recording; returns a summary."""
        t0 = time.perf_counter()
        first_tick = self.source.tick
        try:
            while self.running and (frames is None or self.frame < frames):
                self.step_frame()
        finally:
            written = self.recorder.close() if self.recorder is not None else None
            self.recorder = None
        seconds = time.perf_counter() - t0
        return {
            "frames": self.frame, "seconds": round(seconds, 3),
            "fps": round(self.frame / seconds, 1) if seconds > 0 else None,
            "ticks": self.source.tick - first_tick, "tick": self.source.tick,
            "drawn": int(self.sample.size), "individuals": self.source.n,
            "layout_seconds": round(self.layout_seconds, 3),
            "record": str(written) if written else None,
        }

    def close(self) -> None:
        """Shut the window and pygame's display down."""
        self.pg.display.quit()


def run_viewer(source: FrameSource, **options: Any) -> dict[str, Any]:
    """Open a viewer on ``source``, run it (``frames``: stop after so many), close it."""
    frames = options.pop("frames", None)
    viewer = Viewer(source, **options)
    try:
        return viewer.run(frames)
    finally:
        viewer.close()
