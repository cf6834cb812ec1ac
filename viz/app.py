"""The viewer window: the network coloured by status, prevalence curves, a person panel.

Left, the network: friend groups side by side (viz.layout, cached per graph), edges
rasterised once into a background surface (again only on zoom, pan or resize; edges between
groups fainter), nodes written into the pixels with numpy each frame (fast enough for 20,000
nodes at 30+ fps); the disorder statuses (addicted, relapsed) drawn last, larger and ringed,
so that a few among thousands are seen. Right, the prevalence curves over years: every
status (0-100%), and below on its own scale the share in disorder; the current time and the
interventions marked (each label placed where it overlaps nothing, or counted); then the
legend with counts, or the person panel of a clicked person (never over the network).
Bottom, a status line (what does not fit is left out, never run under the key hint); a
message (a screenshot's path, the end of the run) shows in its own box above it. Onsets,
relapses, cessations and new people (a leaver replaced: an age that fell, or a person back
to never-exposed) flash as rings for a moment; ``a`` filters by age band (sources with ages):
the network, the legend's counts and the curves (sources with ``age_prevalence``). Every
text drawn is recorded with its box (:attr:`Viewer.texts`), so tests can check that none
overlap. The viewer draws from a :class:`viz.source.FrameSource` and imports no model code.
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
    "never_exposed": (78, 81, 94),
    "exposed": (70, 140, 235),
    "user": (240, 200, 60),
    "addicted": (235, 60, 50),
    "abstinent": (60, 205, 120),
    "relapsed": (205, 80, 225),
}
FALLBACK = ((160, 160, 160), (0, 200, 200), (200, 120, 0), (120, 0, 200))
DRAW_ORDER = ("never_exposed", "exposed", "abstinent", "user", "relapsed", "addicted")
HIGHLIGHT = ("addicted", "relapsed")  # drawn last, larger and ringed: visible among 10,000
DISORDER = (255, 130, 120)  # the "in disorder" curve (addicted + relapsed)
MAX_HIGHLIGHT = 5000  # ringed people per frame (more: drawn as the others)
FLASH_FRAMES = 12  # a flash ring lasts this many frames
FLASH_COLOURS = {"onset": (255, 90, 70), "relapse": (235, 120, 255),
                 "cessation": (90, 255, 150), "new": (150, 152, 165)}
FLASH_KINDS = tuple(FLASH_COLOURS)
AGE_BANDS = ((0.0, 200.0, "all ages"), (0.0, 18.0, "12-17"), (18.0, 26.0, "18-25"),
             (26.0, 35.0, "26-34"), (35.0, 50.0, "35-49"), (50.0, 65.0, "50-64"),
             (65.0, 200.0, "65+"))
HELP = (
    ("space", "play / pause"),
    ("right / left", "one tick forward / back (back: replay only)"),
    ("up / down", "faster / slower"),
    ("tab", "next activity"),
    ("a", "age filter: all, 12-17, ..., 65+ (live)"),
    ("wheel, drag", "zoom, pan"),
    ("click a person", "person panel (click empty space to close)"),
    ("t", "treatment wave now (live)"),
    ("s", "save a screenshot PNG (its path is shown)"),
    ("r", "start / stop recording"),
    ("h", "show / hide these keys"),
    ("esc", "quit"),
)


def _pygame() -> Any:
    import pygame  # lazy: no work (or SDL) at import time

    return pygame


class Viewer:
    """One viewer window over a frame source; ``step_frame`` handles events and draws once.

    ``ticks_per_frame``: advance exactly so many ticks per frame (fractions accumulate)
    instead of ``speed`` ticks per second: a headless recording samples a whole run evenly.
    """

    def __init__(
        self, source: FrameSource, size: tuple[int, int] = (1280, 720), headless: bool = False,
        fps: int = 30, speed: float = 30.0, node_limit: int = 20_000, out_dir: Path = Path("."),
        record: Path | None = None, ticks_per_frame: float | None = None,
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
        self.ticks_per_frame = ticks_per_frame
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
        self._message = ("", 0)  # text, last frame it shows
        self._drag: tuple[int, int, float, float] | None = None
        self.texts: list[tuple[str, str, Any]] = []  # (layer, text, screen rect) this frame
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
        self.pos, self.group = _layout.cached_layout(self.sample.size, edges, path, groups=True)
        self.layout_seconds = time.perf_counter() - t0
        self.edges = edges
        # edges within a friend group drawn at full strength, between groups faint
        self.edge_weight = (np.where(self.group[edges[:, 0]] == self.group[edges[:, 1]], 1.0,
                                     0.25).astype(np.float32) if edges.size
                            else np.zeros(0, np.float32))
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
        side = self.side_rect
        main_h = max(int(side.h * 0.30), 40)
        self.plot_rect = pg.Rect(side.x + 52, 42, max(side.w - 68, 40), main_h)
        top = self.plot_rect.bottom + 22
        self.disorder_title_y = top
        self.disorder_rect = pg.Rect(self.plot_rect.x, top + 20, self.plot_rect.w,
                                     max(int(side.h * 0.13), 24))
        self.lower_y = self.disorder_rect.bottom + 24
        self._bg_dirty = True
        self._bg_pan = self.pan.copy()

    def _transform(self) -> tuple[float, np.ndarray]:
        """World [0, 1]^2 -> network-panel pixels: scale and offset."""
        w, h = self.net_rect.size
        base = 0.94 * min(w, h)
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
        r = 0.30 * min(w, h) * self.zoom / np.sqrt(max(self.sample.size, 1))
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
        """Rasterise every drawn edge into the background (additive, so density shows;
        edges between friend groups count a quarter)."""
        pg = self.pg
        w, h = self.net_rect.size
        scale, offset = self._transform()
        acc = np.zeros(w * h, dtype=np.float32)
        if self.edges.size:
            p = self.pos * scale + offset
            a, b = p[self.edges[:, 0]], p[self.edges[:, 1]]
            vis = ~(((a[:, 0] < 0) & (b[:, 0] < 0)) | ((a[:, 0] >= w) & (b[:, 0] >= w))
                    | ((a[:, 1] < 0) & (b[:, 1] < 0)) | ((a[:, 1] >= h) & (b[:, 1] >= h)))
            a, b, weight = a[vis], b[vis], self.edge_weight[vis]
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
            acc += np.bincount(x[ok] * h + y[ok], weights=weight[idx][ok],
                               minlength=w * h).astype(np.float32)
        alpha = (1.0 - np.exp(-0.35 * acc)).reshape(w, h, 1)
        rgb = np.array(BG, np.float32) + alpha * (np.array(EDGE, np.float32) - BG)
        self.bg = pg.Surface((w, h)).convert()
        pg.surfarray.blit_array(self.bg, rgb.astype(np.uint8))
        self._bg_dirty = False
        self._bg_pan = self.pan.copy()

    def _in_band(self, ages: np.ndarray | None) -> np.ndarray | None:
        """Who is in the chosen age band (None: no filter)."""
        if ages is None or not self.age_band:
            return None
        lo, hi, _ = AGE_BANDS[self.age_band]
        return (ages >= lo) & (ages < hi)

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
        inside = self._in_band(ages)
        outside = None if inside is None else ~inside[order]
        if outside is not None:
            node_col[outside] = net.map_rgb(PANEL)  # other ages fade into the background
        col = np.repeat(node_col, dx.size)
        ok = (xs >= 0) & (xs < w) & (ys >= 0) & (ys < h)
        px = pg.surfarray.pixels2d(net)
        px[xs[ok], ys[ok]] = col[ok].astype(px.dtype)
        del px
        self._draw_highlights(net, p, status, outside, r)
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

    def _draw_highlights(self, net: Any, p: np.ndarray, status: np.ndarray,
                         outside: np.ndarray | None, r: int) -> None:
        """The disorder statuses again on top, larger and ringed in white."""
        names = self.source.statuses
        codes = [names.index(s) for s in HIGHLIGHT if s in names]
        if not codes:
            return
        hit = np.isin(status, codes)
        if outside is not None:
            hit &= ~outside
        idx = np.flatnonzero(hit)[-MAX_HIGHLIGHT:]
        big = max(r + 2, round(r * 1.7), 3)
        for (x, y), s in zip(p[idx], status[idx], strict=True):
            self.pg.draw.circle(net, (250, 250, 250), (int(x), int(y)), big + 1)
            self.pg.draw.circle(net, tuple(int(c) for c in self._status_colours[s]),
                                (int(x), int(y)), big)

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
            kind = FLASH_KINDS[k]  # a newcomer's ring is grey and thin: turnover, not news
            self.pg.draw.circle(net, FLASH_COLOURS[kind], (int(x), int(y)), grow,
                                1 if kind == "new" else 2)

    def flashing(self) -> dict[str, int]:
        """People flashing now, per kind (onset, relapse, cessation, new)."""
        on = self._flash_left > 0
        return {k: int((on & (self._flash_kind == i)).sum()) for i, k in enumerate(FLASH_KINDS)}

    def _text(self, surf: Any, text: str, at: tuple[int, int], colour: tuple = TEXT,
              font: Any = None, layer: str = "base") -> int:
        """Draw ``text`` at ``at`` on ``surf`` and record its box (in window pixels)."""
        img = (font or self.font).render(text, True, colour)
        surf.blit(img, at)
        dx, dy = (0, 0) if surf is self.screen else self.net_rect.topleft
        self.texts.append((layer, text, self.pg.Rect(at[0] + dx, at[1] + dy, *img.get_size())))
        return img.get_width()

    def _time_label(self, tick: float) -> str:
        ypt = getattr(self.source, "years_per_tick", None)
        return f"{tick:g} ticks" if ypt is None else f"{tick * ypt:.1f} years"

    def _curves(self) -> tuple[np.ndarray, np.ndarray]:
        """Counts per status after each tick shown (ticks, statuses) and the people they are
        of, per tick: everyone, or the chosen age band (sources with ``age_prevalence``)."""
        prev = np.asarray(self.source.prevalence(self.activity), dtype=float)
        if self.age_band and hasattr(self.source, "age_prevalence"):
            band = self.source.age_prevalence(self.activity, AGE_BANDS[self.age_band][2])
            if band is not None:
                prev = np.asarray(band, dtype=float)
        total = prev.sum(axis=1) if prev.size else np.zeros(0)
        return prev, np.maximum(total, 1.0)

    def _draw_axes_time(self, plot: Any, horizon: int) -> None:
        """Time labels under a plot: 0 and the end, in years when the source knows them."""
        y = plot.bottom + 3
        self._text(self.screen, "0", (plot.x, y), DIM, self.small)
        label = self._time_label(horizon)
        self._text(self.screen, label, (plot.right - self.small.size(label)[0], y), DIM,
                   self.small)

    def _draw_lines(self, plot: Any, t: np.ndarray, shares: np.ndarray, ymax: float,
                    colour: tuple, horizon: int, width: int = 2) -> None:
        if len(t) < 2:
            return
        xs = plot.x + t / horizon * plot.w
        ys = plot.bottom - np.minimum(shares / ymax, 1.0) * plot.h
        self.pg.draw.lines(self.screen, colour, False, np.stack([xs, ys], 1).tolist(), width)

    def _draw_markers(self, plot: Any, horizon: int) -> None:
        """Interventions as dashed lines; each label where it overlaps no other (next to its
        line, right or left of it, in the first free row), else counted in a note."""
        pg, scr = self.pg, self.screen
        marks: dict[int, list[str]] = {}
        for t, text in self.source.markers(self.activity):
            x = round(plot.x + t / horizon * plot.w)
            if plot.x <= x <= plot.right and text not in marks.setdefault(x, []):
                marks[x].append(text)
        placed: list[Any] = []
        hidden = 0
        rows = max(1, min(4, (plot.h - 6) // 16))
        for x, labels in sorted(marks.items()):
            for y0 in range(plot.y, plot.bottom, 8):
                pg.draw.line(scr, MARK, (x, y0), (x, min(y0 + 4, plot.bottom)))
            text = " + ".join(labels)
            w, h = self.small.size(text)
            spot = None
            for row in range(rows):
                y = plot.y + 3 + 16 * row
                for left in (x + 3, x - 3 - w):
                    box = pg.Rect(left, y, w, h)
                    if (box.x >= plot.x + 1 and box.right <= plot.right - 1
                            and not any(box.colliderect(b) for b in placed)):
                        spot = box
                        break
                if spot is not None:
                    break
            if spot is None:
                hidden += 1
                continue
            placed.append(spot)
            self._text(scr, text, spot.topleft, MARK, self.small)
        if hidden:
            note = f"+{hidden} more intervention{'s' if hidden > 1 else ''} (dashed)"
            box = pg.Rect(plot.x + 4, plot.bottom - 18, *self.small.size(note))
            if not any(box.colliderect(b) for b in placed):
                self._text(scr, note, box.topleft, MARK, self.small)

    def _draw_curves(self) -> None:
        pg, scr = self.pg, self.screen
        side = self.side_rect
        pg.draw.rect(scr, PANEL, side)
        names = self.source.statuses
        act = self.source.activities[self.activity]
        band = f", ages {AGE_BANDS[self.age_band][2]}" if self.age_band else ""
        self._text(scr, self._fit(f"prevalence: {act}{band}", side.w - 20, self.big),
                   (side.x + 12, 10), TEXT, self.big)
        horizon = max(self.source.horizon, 1)
        prev, total = self._curves()
        t = np.arange(1, len(prev) + 1, dtype=float)
        step = max(1, len(prev) // max(self.plot_rect.w, 1))
        t, prev, total = t[::step], prev[::step], total[::step]
        # every status, 0-100%
        plot = self.plot_rect
        pg.draw.rect(scr, BG, plot)
        pg.draw.rect(scr, DIM, plot, 1)
        for frac in (0.0, 0.5, 1.0):
            y = plot.bottom - frac * plot.h
            label = f"{frac:.0%}"
            self._text(scr, label, (plot.x - 6 - self.small.size(label)[0], int(y) - 6), DIM,
                       self.small)
        for s in range(len(names)):
            self._draw_lines(plot, t, prev[:, s] / total if len(prev) else t, 1.0,
                             tuple(self._status_colours[s]), horizon)
        self._draw_markers(plot, horizon)
        self._draw_axes_time(plot, horizon)
        # the disorder statuses on their own scale
        dis = self.disorder_rect
        codes = [names.index(s) for s in HIGHLIGHT if s in names]
        shares = prev[:, codes].sum(axis=1) / total if len(prev) and codes else np.zeros(0)
        top = float(shares.max()) if shares.size else 0.0
        ymax = next((v for v in (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5) if top <= v * 0.95),
                    1.0)
        self._text(scr, "in disorder (addicted + relapsed)", (side.x + 12,
                   self.disorder_title_y), TEXT, self.small)
        pg.draw.rect(scr, BG, dis)
        pg.draw.rect(scr, DIM, dis, 1)
        for frac in (0.0, 1.0):
            label = f"{frac * ymax:.1%}" if ymax < 0.1 else f"{frac * ymax:.0%}"
            y = dis.bottom - frac * dis.h
            self._text(scr, label, (dis.x - 6 - self.small.size(label)[0], int(y) - 6), DIM,
                       self.small)
        for s in codes:
            self._draw_lines(dis, t, prev[:, s] / total, ymax, tuple(self._status_colours[s]),
                             horizon, 1)
        self._draw_lines(dis, t, shares, ymax, DISORDER, horizon, 2)
        self._draw_axes_time(dis, horizon)
        for rect in (plot, dis):
            x = rect.x + self.source.tick / horizon * rect.w
            if x <= rect.right:
                pg.draw.line(scr, (255, 255, 255), (x, rect.y), (x, rect.bottom), 1)
        if self.selected is not None:
            self._draw_person(self.source.person(self.selected, self.activity))
        else:
            self._draw_legend()

    def _draw_legend(self) -> None:
        """Each status with its count at the shown tick (in the chosen age band)."""
        pg, scr, side = self.pg, self.screen, self.side_rect
        names = self.source.statuses
        status = np.asarray(self.source.status(self.activity))
        inside = self._in_band(self._all_ages())
        if inside is not None:
            status = status[inside]
        counts = np.bincount(status, minlength=len(names))
        n = max(int(counts.sum()), 1)
        y = self.lower_y
        for s, name in enumerate(names):
            pg.draw.rect(scr, tuple(self._status_colours[s]), (side.x + 16, y + 3, 12, 12))
            self._text(scr, f"{name.replace('_', ' ')}", (side.x + 36, y))
            count = f"{counts[s]:,}  ({counts[s] / n:.1%})"
            self._text(scr, count, (side.right - 16 - self.font.size(count)[0], y))
            y += 20
        who = (f"{n:,} people aged {AGE_BANDS[self.age_band][2]}" if inside is not None
               else self.source.title)
        self._text(scr, who, (side.x + 16, y + 6), DIM, self.small)

    def _all_ages(self) -> np.ndarray | None:
        ages = getattr(self.source, "ages", None)
        return None if ages is None else np.asarray(ages())

    def _draw_person(self, person: Person) -> None:
        """The person panel, in the side panel below the curves (the network stays seen)."""
        pg, scr = self.pg, self.screen
        names = self.source.statuses
        side = self.side_rect
        box = pg.Rect(side.x + 8, self.lower_y - 4, side.w - 16, side.bottom - self.lower_y)
        pg.draw.rect(scr, BG, box)
        pg.draw.rect(scr, DIM, box, 1)
        x, y, step = box.x + 10, box.y + 6, 16
        head = (f"person {person.index}  ("
                + ("" if person.sex is None else f"{person.sex}, ")
                + f"degree {person.degree}"
                + ("" if person.age is None else f", age {person.age:.1f}") + ")")
        self._text(scr, head, (x, y), TEXT, self.small)
        y += step
        self._text(scr, f"status: {names[person.status].replace('_', ' ')}", (x, y),
                   tuple(self._status_colours[person.status]), self.small)
        latent = f"latent states: {'?' if person.n_latent is None else person.n_latent}"
        self._text(scr, latent, (box.centerx, y), TEXT, self.small)
        y += step
        if person.action_values:
            values = "values: " + ", ".join(f"{k} {v:.2f}"
                                            for k, v in person.action_values.items())
            self._text(scr, self._fit(values, box.w - 20), (x, y), TEXT, self.small)
            y += step
        if person.planner:
            planner = "planner: " + ", ".join(f"{k} {v:.2f}" for k, v in person.planner.items())
            self._text(scr, self._fit(planner, box.w - 20), (x, y), TEXT, self.small)
            y += step
        factors = [f"{k.replace('_', ' ')}: {v:.3g}" for k, v in person.risk_factors.items()]
        half = (len(factors) + 1) // 2
        for i, text in enumerate(factors):
            col, row = divmod(i, half)
            self._text(scr, self._fit(text, box.w // 2 - 14),
                       (x + col * (box.w // 2 - 4), y + row * step), TEXT, self.small)
        y += half * step
        if person.note:
            self._text(scr, self._fit(person.note, box.w - 20), (x, y), DIM, self.small)
            y += step
        self._text(scr, "status history:", (x, y + 2), DIM, self.small)
        strip = pg.Rect(x, y + 18, box.w - 20, 12)
        hist = person.history
        if hist is None or len(hist) == 0:
            self._text(scr, "(none yet)" if hist is not None else "(not kept)",
                       (x + 110, y + 2), DIM, self.small)
            return
        if strip.bottom > box.bottom:
            return  # a small window: no room for the strip
        horizon = max(self.source.horizon, len(hist), 1)
        at = (np.arange(strip.w) * horizon / strip.w).astype(int)  # the tick of each column
        shown = at < len(hist)
        img = np.zeros((strip.w, strip.h, 3), dtype=np.uint8)
        img[:] = BG
        img[shown] = self._status_colours[hist[at[shown]]][:, None, :]
        surf = pg.surfarray.make_surface(img)
        scr.blit(surf, strip.topleft)
        pg.draw.rect(scr, DIM, strip, 1)

    def _fit(self, text: str, width: int, font: Any = None, middle: bool = False) -> str:
        """``text`` cut (with "...") to at most ``width`` pixels in ``font``: its end, or
        with ``middle`` its middle (a path keeps its file name)."""
        font = font or self.small
        if font.size(text)[0] <= width:
            return text
        if middle:
            head, tail = text[: len(text) // 2], text[len(text) // 2:]
            while (head or tail) and font.size(head + "..." + tail)[0] > width:
                if len(head) >= len(tail) and head:
                    head = head[:-1]
                else:
                    tail = tail[1:]
            return head + "..." + tail
        while text and font.size(text + "...")[0] > width:
            text = text[:-1]
        return text + "..."

    def _draw_status_line(self) -> None:
        """Time, play state and speed, activity, counts: what fits left of the key hint
        (counts are left out first; the legend has them)."""
        pg, scr = self.pg, self.screen
        pg.draw.rect(scr, PANEL, self.line_rect)
        src = self.source
        state = "playing" if self.playing else "paused"
        status = np.asarray(src.status(self.activity))
        inside = self._in_band(self._all_ages())
        counts = np.bincount(status if inside is None else status[inside],
                             minlength=len(src.statuses))
        short = {"never_exposed": "never", "abstinent": "abstin."}
        ypt = getattr(src, "years_per_tick", None)
        when = f"tick {src.tick}" if ypt is None else f"year {src.tick * ypt:.1f} (tick {src.tick})"
        speed = (f"{self.ticks_per_frame:.3g} ticks/frame" if self.ticks_per_frame
                 else f"{self.speed:g} ticks/s")
        parts = [when, f"{state} at {speed}", src.activities[self.activity]]
        if self.age_band:
            parts.append(f"ages {AGE_BANDS[self.age_band][2]}")
        if self.recorder is not None and not self._record_arg:
            parts.append(f"REC {self.recorder.count}")
        tally = "  ".join(f"{short.get(s, s)} {c:,}" for s, c in zip(src.statuses, counts,
                                                                      strict=False))
        hint = "h: keys"
        hint_w = self.font.size(hint)[0]
        room = self.line_rect.w - hint_w - 8 - 8 - 16
        text = "  |  ".join([*parts, tally])
        if self.font.size(text)[0] > room:
            text = self._fit("  |  ".join(parts), room, self.font)
        self._text(scr, text, (8, self.line_rect.y + 5), TEXT)
        self._text(scr, hint, (self.line_rect.right - hint_w - 8, self.line_rect.y + 5), DIM)

    def _draw_message(self) -> None:
        """The current message in its own box above the status line, over the network."""
        message, last = self._message
        if not message or self.frame > last:
            return
        pg, scr = self.pg, self.screen
        width = self.net_rect.w - 24
        text = self._fit(message, width - 20, self.font, middle=True)
        w, h = self.font.size(text)
        box = pg.Rect(12, self.net_rect.bottom - h - 22, w + 20, h + 12)
        pg.draw.rect(scr, PANEL, box)
        pg.draw.rect(scr, MARK, box, 1)
        self._text(scr, text, (box.x + 10, box.y + 6), TEXT, layer="message")

    def _draw_help(self) -> None:
        """The keys in a box as wide as its longest line (within the network panel)."""
        pg, scr = self.pg, self.screen
        key_w = max(self.font.size(k)[0] for k, _ in HELP) + 24
        text_w = max(self.font.size(t)[0] for _, t in HELP)
        w = min(14 + key_w + text_w + 16, self.screen.get_width() - 8)
        h = 40 + 22 * len(HELP)
        box = pg.Rect(0, 0, w, h)
        box.center = self.net_rect.center
        box.clamp_ip(self.screen.get_rect())
        pg.draw.rect(scr, PANEL, box)
        pg.draw.rect(scr, DIM, box, 1)
        self._text(scr, "keys", (box.x + 14, box.y + 10), TEXT, self.big, layer="help")
        for i, (key, what) in enumerate(HELP):
            y = box.y + 38 + 22 * i
            self._text(scr, key, (box.x + 14, y), MARK, layer="help")
            self._text(scr, self._fit(what, box.right - 12 - (box.x + 14 + key_w), self.font),
                       (box.x + 14 + key_w, y), layer="help")
        self.help_rect = box

    def render(self) -> None:
        """Draw one frame into the window surface."""
        self.texts = []
        self.screen.fill(BG)
        self._draw_network()
        self._draw_curves()
        self._draw_status_line()
        self._draw_message()
        if self.show_help:
            self._draw_help()

    def text_overlaps(self, layer: str | None = None) -> list[tuple[str, str]]:
        """Pairs of texts drawn in the last frame whose boxes overlap (within one layer:
        the window, the message box, the help box), and texts that leave the window."""
        screen = self.screen.get_rect()
        found = [(t, "(outside the window)") for _, t, r in self.texts
                 if not screen.contains(r)]
        boxes = [(lay, t, r) for lay, t, r in self.texts if layer in (None, lay)]
        for i, (la, ta, a) in enumerate(boxes):
            for lb, tb, b in boxes[i + 1:]:
                if la == lb and a.colliderect(b):
                    found.append((ta, tb))
        return found

    # ------------------------------------------------------------------ events
    def flash(self, message: str, seconds: float = 4.0) -> None:
        """Show a message in a box above the status line for a few seconds."""
        self._message = (message, self.frame + max(1, round(seconds * self.fps)))

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

    def _at_end(self) -> bool:
        return self.source.tick >= self.source.horizon

    def _end_message(self) -> str:
        end = self._time_label(self.source.horizon)
        if self.source.live:
            return (f"end of the run ({end}, run.ticks); --set run.ticks=... to simulate "
                    "longer")
        return f"end of the run ({end}): left/right scrub, space plays again"

    def _key(self, key: int) -> None:
        pg, src = self.pg, self.source
        if key == pg.K_ESCAPE:
            self.running = False
        elif key == pg.K_SPACE:
            self.playing = not self.playing
            if self.playing and self._at_end():
                if src.live:
                    self.playing = False
                    self.flash(self._end_message())
                else:
                    src.advance(-src.tick)  # a finished replay plays again from the start
        elif key == pg.K_RIGHT:
            self.playing = False
            if src.advance(1) < 1:
                self.flash(self._end_message())
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
            self.ticks_per_frame = None
            self._acc = 0.0
        elif key == pg.K_TAB:
            self.activity = (self.activity + 1) % len(src.activities)
        elif key == pg.K_a:
            if getattr(src, "ages", None) is None:
                self.flash("this source has no ages (age filter: live views of a config)")
            else:
                self.age_band = (self.age_band + 1) % len(AGE_BANDS)
                self.flash(f"showing {AGE_BANDS[self.age_band][2]}")
        elif key == pg.K_t:
            self.flash(src.treat())
        elif key == pg.K_s:
            self.flash(f"saved screenshot {self.screenshot().resolve()}")
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
            self.flash(f"recording to {path.resolve()}")
        else:
            written = self.recorder.close()
            self.recorder = None
            self.flash(f"saved recording {written.resolve()}" if written else "nothing recorded")

    # ------------------------------------------------------------------ loop
    def update(self, dt: float) -> None:
        """Advance the source by speed x dt ticks (or ticks_per_frame) while playing; stop,
        and say so, at the end of the run."""
        if not self.playing:
            return
        if self.ticks_per_frame:
            self._acc += self.ticks_per_frame
            k = int(self._acc + 1e-9)
        else:
            self._acc += self.speed * dt
            k = min(int(self._acc), MAX_TICKS_PER_FRAME)
        self._acc -= k
        if k:
            moved = self.source.advance(k)
            if moved < k:
                self.playing = False  # the end of the run (live: run.ticks)
                self.flash(self._end_message())

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
        ypt = getattr(self.source, "years_per_tick", None)
        return {
            "frames": self.frame, "seconds": round(seconds, 3),
            "fps": round(self.frame / seconds, 1) if seconds > 0 else None,
            "ticks": self.source.tick - first_tick, "tick": self.source.tick,
            "first_tick": first_tick, "horizon": self.source.horizon,
            "years_per_tick": ypt,
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
