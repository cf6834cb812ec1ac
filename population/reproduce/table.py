"""The reproductions table: rendered from the protocols' JSON, never typed by hand.

Three steps, each a subcommand of ``python -m addsim.population.reproduce.table``:

- ``run DIR [--seeds 0-4]``: runs every protocol of the table (``ROWS``) on each seed at its
  standard size (100 individuals per arm; gambling 1,000) and writes ``DIR/NAME.json``
  (the summaries by seed; the same config and seeds give the same files);
- ``write DIR FILE...``: renders the table from ``DIR`` between the marker lines
  ``<!-- reproductions-table:begin -->`` and ``<!-- reproductions-table:end -->`` of each
  markdown FILE;
- ``check DIR FILE...``: exits 1 naming the file when a committed table differs from what
  ``DIR`` renders (tests/test_reproductions_table.py runs it on the repository);
- ``figures DIR``: draws the figures the documentation shows (``FIGURES``, seed 0, 100
  individuals per arm) into ``DIR/NAME.png``.

Each row gives the seed-0 numbers with their intervals, the confound controls of
protocol 4c where the protocol has them, whether the other seeds agree, and the verdict
most of the seeds give (with the count where they differ):
"by retrieval" (or "by situation recognition" for the gambling split), "by another cause"
(named), "not reproduced" (latent-state protocols, the rules of
population/reproduce/_controls.py), or "reproduced" for the model-free results
(each row's rule is stated in its ``assess`` function below).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BEGIN, END = "<!-- reproductions-table:begin -->", "<!-- reproductions-table:end -->"
STANDARD_N = {"gambling": 1000, "values": 1000}  # individuals per arm; else 100
Summary = dict[str, Any]
Assess = Callable[[Summary], tuple[str, str, str]]  # (numbers, controls, verdict)


# --------------------------------------------------------------------------- formatting
def _n(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _ci(e: dict[str, Any] | None, digits: int = 2) -> str:
    """``value [low, high]`` of an effect (:func:`_controls.effect`) or a bootstrap mean."""
    if e is None:
        return "-"
    value = e.get("value", e.get("mean", e.get("difference")))
    lo, hi = e["ci"]
    return f"{_n(value, digits)} [{_n(lo, digits)}, {_n(hi, digits)}]"


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _acting(a: dict[str, Any] | None) -> str:
    if not a or not a["reached"]:
        return "acting state: nobody reaches the criterion"
    other = f"other {_pct(a['other'])}"
    if "other_acquisition" in a:
        other += (f" (another acquisition-phase state {_pct(a['other_acquisition'])}, "
                  f"one opened later {_pct(a['other_later'])})")
    return (f"acting at criterion ({a['reached']} of {a['n']}): acquisition state "
            f"{_pct(a['acquisition'])}, created in the test {_pct(a['created_in_test'])}, "
            f"{other}")


def _verdict(v: dict[str, Any]) -> str:
    out = f"**{v['label']}**"
    if v.get("causes") and v["label"] != "not reproduced":
        out += ": " + "; ".join(v["causes"])
    if v.get("carried_by") and v["label"] != "not reproduced":
        out += f" (carried by {v['carried_by']})"
    return out


CONTROL_ARMS = ("reward-constant", "history off", "new values zero", "creation bias off",
                "temperature falls")


def _controls(effects: dict[str, Any]) -> str:
    parts = [f"{arm} {_ci(effects.get(f'dual_process/{arm}'))}" for arm in CONTROL_ARMS
             if effects.get(f"dual_process/{arm}") is not None]
    if effects.get("model-free") is not None:
        parts.append(f"model-free (Dezfouli) {_ci(effects['model-free'])}")
    return "; ".join(parts)


# ----------------------------------------------------------------- latent-state protocols
def _arm_effects(summary: Summary, key: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """The effect of every arm of ``summary`` under ``key`` (None where absent)."""
    out = {}
    for label, s in summary.items():
        if isinstance(s, dict) and label != "verdict":
            try:
                out["model-free" if label == "dezfouli2009" else label] = key(s)
            except (KeyError, TypeError):
                continue
    return out


def _relapse_like(summary: Summary) -> tuple[str, str, str]:
    v = summary["verdict"]
    main = summary["dual_process"]
    phase = main["reexposure"]["reached"]
    numbers = (f"{v['effect']}: dual-process {_ci(main['effect'])}; "
               f"{_acting(main.get('acting_state'))}; reached within the phase {_pct(phase)}")
    return numbers, _controls(_arm_effects(summary, lambda s: s["effect"])), _verdict(v)


def _relapse(summary: Summary) -> tuple[str, str, str]:
    numbers, controls, verdict = _relapse_like(summary)
    mf = ", ".join(f"{k} {_pct(summary[k]['reexposure']['reached'])} within 500 (median "
                   f"acquisition {_n(summary[k]['acquisition']['median'], 0)})"
                   for k in ("redish2004", "dezfouli2009"))
    return numbers + f"; model-free return: {mf}", controls, verdict


def _reacquisition(summary: Summary) -> tuple[str, str, str]:
    v = summary["verdict"]
    main = summary["dual_process"]["same context"]
    numbers = (f"savings (sooner minus later) {_ci(main['savings'])}; reacquired within 250 "
               f"ticks {_pct(main['reacquisition']['reached'])} (median "
               f"{_n(main['reacquisition']['median'], 0)}) against first acquisition median "
               f"{_n(main['acquisition']['median'], 0)}; {_acting(main.get('acting_state'))}")
    effects = _arm_effects(summary, lambda s: s["same context"]["savings"])
    return numbers, _controls(effects), _verdict(v)


def _renewal(which: str) -> Assess:
    def assess(summary: Summary) -> tuple[str, str, str]:
        v = summary["verdict"][which]
        hi = which.split("-")[0]
        main = summary["dual_process"]
        numbers = (f"mean P(addictive), first 20 test ticks: ABA {_ci(main['ABA']['test'])}, "
                   f"AAB {_ci(main['AAB']['test'])}, AAA {_ci(main['AAA']['test'])}; "
                   f"{which} {_ci(main[which])}; {_acting(main[hi].get('acting_state'))}")
        return numbers, _controls(_arm_effects(summary, lambda s: s[which])), _verdict(v)
    return assess


def _reinstatement(summary: Summary) -> tuple[str, str, str]:
    v = summary["verdict"]
    main = summary["dual_process"]
    doses = ", ".join(f"{k} {_ci(main[f'prime {k}-none'])}" for k in (1, 5, 20))
    numbers = (f"prime minus no prime, mean P(addictive) over 20 test ticks: {doses}; "
               f"{_acting(main['prime 1'].get('acting_state'))}")
    redish = summary["redish2004"]["prime 1-none"]
    effects = _arm_effects(summary, lambda s: s["prime 1-none"])
    return (numbers, _controls(effects) + f"; Redish {_ci(redish)}", _verdict(v))


def _states(summary: Summary) -> tuple[str, str, str]:
    v = summary["verdict"]
    rep = v["report"]
    numbers = "; ".join(
        f"{cond.replace('_', ' ')}: {_pct(r['ours'])} with {r['states']} states "
        f"[{_pct(r['ours_ci'][0])}, {_pct(r['ours_ci'][1])}] (report {_pct(r['report'])})"
        for cond, r in rep.items())
    numbers += (f"; mean states after extinction minus always rewarded "
                f"{_ci(summary['extinction']['extinction-always'])}; "
                f"{_acting(summary['extinction']['acting_state'])} (at the end of extinction)")
    arms = {label: s["extinction-always"] for label, s in summary.items()
            if label.startswith("dual_process/")}
    controls = "; ".join(f"{k.split('/')[1]} {_ci(e)}" for k, e in arms.items())
    verdict = f"**{v['label']}**"
    if v["causes"]:
        verdict += "; the extra states come from " + "; ".join(v["causes"])
    return numbers, controls, verdict


def _gambling(which: str) -> Assess:
    def assess(summary: Summary) -> tuple[str, str, str]:
        v = summary["verdict"][which]
        main = summary["dual_process"]
        if which == "streak":
            late = ", ".join(f"{k} {_ci(main[k]['late_bet'], 3)}" for k in ("100", "200", "400"))
            dz = summary["dezfouli2009"]
            numbers = (f"late P(bet) 600-800 ticks after streaks of {late}; 400 - 100 "
                       f"{_ci(main['400-100'], 3)} against the Dezfouli control's "
                       f"{_ci(dz['400-100'], 3)} (difference "
                       f"{_ci(summary['dual_process-dezfouli2009_rise'], 3)})")
            effects = _arm_effects(summary, lambda s: {"value": s["400-100"]["mean"],
                                                       "ci": s["400-100"]["ci"]})
        else:
            w = main["400"]["wins_and_losses"]
            numbers = (f"P(win-mode state | win) - P(win-mode state | loss) within 50-tick "
                       f"blocks {_ci(w['split_by_outcome'])}; win and loss modes differ for "
                       f"{_pct(w['modes_differ'])}; their values: win "
                       f"{_ci(w.get('value_win_state'), 1)}, loss "
                       f"{_ci(w.get('value_loss_state'), 1)}, win - loss "
                       f"{_ci(w.get('win-loss_value'), 1)}")
            effects = _arm_effects(summary, lambda s: {
                "value": s["400"]["wins_and_losses"]["split_by_outcome"]["mean"],
                "ci": s["400"]["wins_and_losses"]["split_by_outcome"]["ci"]})
        return numbers, _controls(effects), _verdict(v)
    return assess


# ------------------------------------------------------------------ model-free results
def _label(ok: bool) -> str:
    return "**reproduced**" if ok else "**not reproduced**"


def _acquisition(summary: Summary) -> tuple[str, str, str]:
    """Every learner chooses the natural reward (P(addictive) < 0.1 at the end)."""
    p = {k: s["p_addictive_final"] for k, s in summary.items()}
    numbers = "final P(addictive): " + ", ".join(f"{k} {_n(v, 3)}" for k, v in p.items())
    return numbers, "", _label(all(v < 0.1 for v in p.values()))


def _addiction(summary: Summary) -> tuple[str, str, str]:
    """Surge learners above 0.8 at t = 500, Q-learning below 0.2."""
    p = {k: s["p_addictive_t500"] for k, s in summary.items()}
    ok = p["q_learning"] < 0.2 and all(v > 0.8 for k, v in p.items() if k != "q_learning")
    return "P(addictive) at t = 500: " + ", ".join(f"{k} {_n(v)}" for k, v in p.items()), "", \
        _label(ok)


def _values(summary: Summary) -> tuple[str, str, str]:
    """Redish's advantage grows (final above twice the mid-run value, delta - D >= 0 on every
    drug step); Dezfouli's and dual-process's typical advantage changes < 1% at the end."""
    r, d, dp = summary["redish2004"], summary["dezfouli2009"], summary["dual_process"]
    ok = (r["advantage_final"] > 2 * r["advantage_mid"] and r["min_drug_delta_minus_surge"] >= 0
          and abs(d["advantage_change_last_2000"]) < 0.01
          and abs(dp["advantage_change_last_2000"]) < 0.01)
    numbers = (f"Redish advantage {_n(r['advantage_mid'], 0)} (mid-run) -> "
               f"{_n(r['advantage_final'], 0)}, min delta - D {_n(r['min_drug_delta_minus_surge'])}"
               f"; relative change of the typical advantage over the last 2,000 of 20,000 "
               f"ticks: Dezfouli {_n(d['advantage_change_last_2000'], 3)}, dual-process "
               f"{_n(dp['advantage_change_last_2000'], 3)}")
    return numbers, "", _label(ok)


def _impulsivity(summary: Summary) -> tuple[str, str, str]:
    """P(impulsive) rises 0 < 500 < 2000 exposures for Dezfouli and dual-process: both paired
    rises (500 - 0 and 2000 - 500, the same individuals and task draws) have their 95%
    interval above 0."""
    parts, ok = [], True
    for k, s in summary.items():
        p = [s[e]["p_impulsive"] for e in ("0", "500", "2000")]
        rises = [s[r] for r in ("500-0", "2000-500")]
        ok &= all(r["ci"][0] > 0.0 for r in rises)
        parts.append(f"{k} " + ", ".join(_n(x) for x in p) + " (paired rises "
                     + " and ".join(_ci(r, 3) for r in rises) + ")")
    return "P(impulsive) after 0, 500, 2000 exposures: " + "; ".join(parts), "", _label(ok)


def _compulsive(summary: Summary) -> tuple[str, str, str]:
    """Dezfouli: seeking persists under punishment after long training, not after short."""
    parts = []
    for k in ("dezfouli2009", "dual_process"):
        s = summary[k]
        parts.append(f"{k} P(seek) before / punished: long {_n(s['long']['p_seek_before'])} / "
                     f"{_n(s['long']['p_seek_punished'])}, short "
                     f"{_n(s['short']['p_seek_before'])} / {_n(s['short']['p_seek_punished'])}")
    ok = bool(summary["dezfouli2009"]["persists_after_long_not_short"])
    dual = summary["dual_process"]["persists_after_long_not_short"]
    return "; ".join(parts), f"dual-process persists after long, not short: {dual}", _label(ok)


def _blocking(summary: Summary) -> tuple[str, str, str]:
    """Redish: B's weight after A not below AB only (no blocking); Dezfouli: below AB only,
    the decomposition into the basal level and cue competition reported as the model's
    prediction; dual-process: P(addictive) at B after A below both controls = blocking."""
    r, d, dp = summary["redish2004"], summary["dezfouli2009"], summary["dual_process"]
    dec = d["decomposition"]["weight_b"]
    redish = r["AB only - blocking"]["weight_b"]
    numbers = (f"B's own weight, AB only minus blocking: Redish {_ci(redish, 1)}, "
               f"Dezfouli {_ci(dec['whole'], 1)} = basal level {_ci(dec['non_associative'], 1)} "
               f"+ cue competition {_ci(dec['cue_competition'], 1)} (pre-exposed elsewhere); "
               f"dual-process P(addictive) at B: after A {_ci(dp['blocking']['p_addictive'])}, "
               f"AB only {_ci(dp['AB only']['p_addictive'])}, pre-exposed elsewhere "
               f"{_ci(dp['pre-exposed elsewhere']['p_addictive'])}")
    redish_none = r["AB only - blocking"]["weight_b"]["ci"][1] <= 0 or \
        r["AB only - blocking"]["weight_b"]["ci"][0] < 0
    dez_blocks = dec["whole"]["ci"][0] > 0
    dual_blocks = (dp["AB only - blocking"]["p_addictive"]["ci"][0] > 0
                   and dp["pre-exposed elsewhere - blocking"]["p_addictive"]["ci"][0] > 0)
    whole = dec["whole"]["difference"]
    share = _pct(dec["non_associative"]["difference"] / whole) if whole else "-"
    verdict = (f"Redish no blocking: {_label(redish_none)}; Dezfouli blocking: "
               f"{_label(dez_blocks)}, {share} of it the basal level (the model's "
               f"prediction); dual-process blocking: "
               f"{'yes' if dual_blocks else 'no'} (the report: none)")
    return numbers, "", verdict


# --------------------------------------------------- the planner's protocols (issue 33)
def _two_step(summary: Summary) -> tuple[str, str, str]:
    """Published signatures (Daw 2011) from the stay regression's intervals
    (population/reproduce/two_step.py): the verdict reads the habit, its ablation, the
    planner and the fixed hybrid; the arbitrated learners and post-hoc arms are reported."""
    def arm(label: str) -> str:
        a = summary[label]
        return (f"{label}: b_r {_ci(a['b_r'])}, b_rt {_ci(a['b_rt'])}, w_reg "
                f"{_ci(a['w_reg'])} ({a['signature']})")

    numbers = "; ".join(arm(k) for k in ("model-free", "model-based", "hybrid w 0.5",
                                          "arbitrated: voi", "arbitrated: uncertainty",
                                          "dual_process_mb: voi"))
    planned = summary["arbitrated: voi"]["planned_share_first_20"]
    controls = (f"{arm('model-free, lambda 0')} (the eligibility's ablation); the arbitrated "
                f"learner plans {_ci(planned)} of the first 20 trials, "
                f"{_ci(summary['arbitrated: voi']['planned_share'])} of the last 100; post "
                f"hoc, beta 20: {arm('model-based, beta 20 (post hoc)')}; "
                f"{arm('hybrid w 0.5, beta 20 (post hoc)')}")
    v = summary["verdict"]
    return numbers, controls, f"**{v['label']}**"


def _devaluation(summary: Summary) -> tuple[str, str, str]:
    """Valued minus devalued P(press) in the extinction test after moderate and extended
    training (population/reproduce/devaluation.py's rules)."""
    def arm(label: str, keys: tuple[str, ...] = ("moderate", "extended")) -> str:
        return f"{label}: " + ", ".join(f"{t} {_ci(summary[label][t]['effect'])}"
                                        for t in keys)

    numbers = "devaluation effect (valued - devalued P(press)): " + "; ".join(
        arm(k) for k in ("voi", "uncertainty"))
    controls = "; ".join(arm(k) for k in ("planner only", "habit only", "voi, Kalman gain"))
    controls += "; post hoc, brief training: " + ", ".join(
        f"{k} {_ci(summary[k]['brief (post hoc)']['effect'])}"
        for k in ("voi", "uncertainty", "voi, R_bar from 0 (post hoc)"))
    return numbers, controls, f"**{summary['verdict']['label']}**"


def _escalation(summary: Summary) -> tuple[str, str, str]:
    """First-hour intake, last three sessions minus first three (escalation.py's rules)."""
    def esc(label: str) -> str:
        return f"{label} {_ci(summary[label]['escalation'], 1)}"

    numbers = (f"first-hour infusions, last 3 sessions minus first 3: {esc('LgA')}, "
               f"{esc('ShA')}; LgA - ShA {_ci(summary['LgA-ShA escalation'], 1)}; setpoint "
               f"after 12 sessions LgA {_ci(summary['LgA']['setpoint_last_session'], 0)}; "
               f"a dose's planned value at the last session's start, LgA - ShA "
               f"{_ci(summary['LgA-ShA drug value, last session'], 0)}")
    controls = f"setpoint fixed: {esc('LgA, setpoint fixed')}, {esc('ShA, setpoint fixed')}"
    hrrl = ("LgA, HRRL's model start", "ShA, HRRL's model start")
    if all(k in summary for k in hrrl):
        controls += "; " + ", ".join(esc(k) for k in hrrl)
    return numbers, controls, f"**{summary['verdict']['label']}**"


def _w_addiction(summary: Summary) -> tuple[str, str, str]:
    """The drug history's effect on w_reg and on the planner's early share (w_addiction.py:
    reproduced when w_reg's interval lies below 0; whether the arbitration plans less is
    reported)."""
    def arm(label: str) -> str:
        a = summary[label]
        return (f"{label}: w_reg {_ci(a['w_reg']['drug-no drug'])}, planner's share of the "
                f"first 20 trials {_ci(a['planned_first_20']['drug-no drug'])}")

    numbers = (f"drug history minus none (kappa {_ci(summary['kappa_after_history'])}): "
               f"{arm('voi')}")
    controls = "; ".join(arm(k) for k in ("uncertainty", "hybrid w 0.5"))
    how = ("the arbitration plans less" if summary["verdict"]["planning_falls"]
           else "the arbitration plans as often")
    return numbers, controls, f"**{summary['verdict']['label']}** ({how})"


@dataclass(frozen=True)
class Row:
    """One row: the protocol, its label in the table, the published claim, how to read it."""

    protocol: str
    result: str
    claim: str
    assess: Assess
    verdict_key: Callable[[Summary], str] | None = None  # the label, for the seeds' agreement


def _key(*path: str) -> Callable[[Summary], str]:
    def get(summary: Summary) -> str:
        v: Any = summary["verdict"]
        for p in path:
            v = v[p]
        return str(v["label"])
    return get


ROWS: tuple[Row, ...] = (
    Row("acquisition", "1 acquisition, no drug", "every learner > 0.9 natural", _acquisition),
    Row("addiction", "2 addiction", "surge learners > 0.8, Q-learning < 0.2", _addiction),
    Row("values", "3 values", "Redish unbounded; Dezfouli, dual-process bounded", _values),
    Row("relapse", "4 relapse (cue absent in extinction)", "dual-process back to 0.99 within "
        "about 10 ticks; model-free 0.6-1.5 x first acquisition", _relapse, _key()),
    Row("relapse-kept-rewards", "4 variant, rewards kept", "dual-process relapses, model-free "
        "not", _relapse, _key()),
    Row("relapse-same-context", "4b relapse, same context (cue on)", "a new situation from "
        "sustained negative errors, relapse on re-exposure (Redish 2007)", _relapse_like,
        _key()),
    Row("renewal", "4b renewal ABA", "ABA > AAA (Bouton 2004; Redish 2007)",
        _renewal("ABA-AAA"), _key("ABA-AAA")),
    Row("renewal", "4b renewal AAB", "AAB > AAA (Bouton 2004)", _renewal("AAB-AAA"),
        _key("AAB-AAA")),
    Row("reinstatement", "4b reinstatement", "one non-contingent dose brings responding back "
        "for dual-process, not model-free (Redish 2007)", _reinstatement, _key()),
    Row("reacquisition", "4b reacquisition", "faster than first acquisition (savings)",
        _reacquisition, _key()),
    Row("states", "5 latent states", "89% with 2 states always rewarded, 85% with 4 after "
        "extinction", _states, _key()),
    Row("gambling", "6 gambling: streaks", "late betting rises with streak length "
        "(100 < 200 < 400) for dual-process", _gambling("streak"), _key("streak")),
    Row("gambling", "6 gambling: wins and losses", "losses in one state, the win state kept "
        "and valued above it (Redish 2007)", _gambling("split"), _key("split")),
    Row("impulsivity", "7 impulsivity", "P(impulsive) rises with drug exposure (0 < 500 < "
        "2000)", _impulsivity),
    Row("blocking", "9 blocking", "Redish none; Dezfouli blocking (Panlilio 2007); "
        "dual-process: report none", _blocking),
    Row("compulsive-seeking", "compulsive seeking", "Dezfouli 2009: seeking persists under "
        "punishment after long, not short, exposure", _compulsive),
    Row("two-step", "two-step task", "model-free: reward effect; model-based: reward x "
        "transition; hybrid and humans: both (Daw 2011)", _two_step, _key()),
    Row("devaluation", "outcome devaluation", "responding falls with devaluation after "
        "moderate training, not after extended (Adams and Dickinson 1981; Keramati 2011)",
        _devaluation, _key()),
    Row("escalation", "escalation of intake", "first-hour intake escalates under 6-h, not "
        "1-h, access (Ahmed and Koob 1998; HRRL)", _escalation, _key()),
    Row("w-and-addiction", "model-based weight after a drug history", "lower w in addiction "
        "(Voon 2015)", _w_addiction, _key()),
)


# ---------------------------------------------------------------------------- rendering
def load(folder: Path) -> dict[str, dict[str, Any]]:
    """Every protocol file of ``folder`` (NAME.json as :func:`run` writes it)."""
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}


def render(folder: Path) -> str:
    """The markdown table of ``ROWS`` from the protocol files in ``folder``."""
    data = load(folder)
    lines = ["| result | report / paper | ours (seed 0) | controls (seed 0) | other seeds | "
             "verdict |", "|---|---|---|---|---|---|"]
    for row in ROWS:
        d = data.get(row.protocol)
        if d is None:
            lines.append(f"| {row.result} | {row.claim} | not run | | | |")
            continue
        runs = d["summaries"]
        seeds_run = list(d["seeds"])
        verdicts = {s: row.assess(runs[str(s)]) for s in seeds_run}
        numbers, controls, _ = verdicts[seeds_run[0]]
        size = f" ({d['individuals']} per arm)"
        labels = {s: (row.verdict_key(runs[str(s)]) if row.verdict_key else v[2])
                  for s, v in verdicts.items()}
        verdict, seeds = _over_seeds(labels, {s: v[2] for s, v in verdicts.items()})
        lines.append(f"| {row.result} | {row.claim} | {numbers}{size} | {controls} | {seeds} "
                     f"| {verdict} |")
    return "\n".join(lines) + "\n"


def _over_seeds(labels: dict[int, str], texts: dict[int, str]) -> tuple[str, str]:
    """The row's verdict and its "other seeds" cell: the label most seeds give (the first
    seed's text when all agree, else the first seed with the majority label, with the
    count), and how many of the other seeds agree with the first."""
    seeds = list(labels)
    first, others = seeds[0], seeds[1:]
    if not others:
        return texts[first], "-"
    agree = sum(labels[s] == labels[first] for s in others)
    cell = f"{agree} of {len(others)} agree (seeds {others[0]}-{others[-1]})"
    if agree < len(others):
        cell += ": " + ", ".join(f"{s} {labels[s]}" for s in others if labels[s] != labels[first])
    counts = {lab: sum(v == lab for v in labels.values()) for lab in labels.values()}
    top = max(counts.values())
    majority = next(labels[s] for s in seeds if counts[labels[s]] == top)  # ties: seed order
    if counts[majority] == len(seeds):
        return texts[first], cell
    where = next(s for s in seeds if labels[s] == majority)
    note = (f" [on {counts[majority]} of {len(seeds)} seeds; "
            + "; ".join(f"{lab.strip('*')} on {n}" for lab, n in counts.items()
                        if lab != majority) + "]")
    return texts[where] + note, cell


def _splice(text: str, table: str, name: str) -> str:
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        raise ValueError(f"{name}: expected one {BEGIN} line before one {END} line")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}{END}{tail}"


def write(folder: Path, files: Sequence[Path]) -> None:
    """Render the table into every file's marked block."""
    table = render(folder)
    for f in files:
        f.write_text(_splice(f.read_text(), table, str(f)))


def stale(folder: Path, files: Sequence[Path]) -> list[Path]:
    """The files whose marked block differs from what ``folder`` renders."""
    table = render(folder)
    return [f for f in files if _splice(f.read_text(), table, str(f)) != f.read_text()]


def run(folder: Path, seeds: Sequence[int], names: Sequence[str] | None = None,
        progress: Callable[[str], None] | None = None) -> None:
    """Run each protocol of ``ROWS`` (or ``names``) on ``seeds``; write ``folder/NAME.json``."""
    from addsim.population.reproduce import REGISTRY

    folder.mkdir(parents=True, exist_ok=True)
    for name in dict.fromkeys(r.protocol for r in ROWS):
        if names and name not in names:
            continue
        n = STANDARD_N.get(name, 100)
        summaries = {}
        for seed in seeds:
            if progress is not None:
                progress(f"{name} seed {seed} ({n} per arm)")
            summaries[str(seed)] = REGISTRY[name].run(n=n, seed=seed).summary
        body = {"name": name, "individuals": n, "seeds": list(seeds), "summaries": summaries}
        (folder / f"{name}.json").write_text(json.dumps(body, indent=1, default=_jsonable)
                                             + "\n")


FIGURES = ("relapse", "renewal", "reinstatement", "blocking")


def figures(folder: Path) -> None:
    """Draw ``FIGURES`` (seed 0, 100 per arm) into ``folder/NAME.png``."""
    from addsim.population.reproduce import REGISTRY

    folder.mkdir(parents=True, exist_ok=True)
    for name in FIGURES:
        result = REGISTRY[name].run(n=100, seed=0)
        REGISTRY[name].plot(result.frame, folder / f"{name}.png")


def _jsonable(x: Any) -> Any:
    import numpy as np

    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, tuple):
        return list(x)
    raise TypeError(f"not JSON: {type(x).__name__}")


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main(argv: Sequence[str] | None = None) -> int:
    """``run``, ``write`` or ``check`` (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m addsim.population.reproduce.table")
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run the protocols and write DIR/NAME.json")
    r.add_argument("dir", type=Path)
    r.add_argument("--seeds", default="0-4", help="a seed or a range such as 0-4")
    r.add_argument("--only", nargs="*", help="protocols to run (default: every row's)")
    f = sub.add_parser("figures", help="draw the documentation's figures into DIR")
    f.add_argument("dir", type=Path)
    for cmd in ("write", "check"):
        p = sub.add_parser(cmd, help=f"{cmd} the table in the marked block of each FILE")
        p.add_argument("dir", type=Path)
        p.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.cmd == "run":
        run(args.dir, _seeds(args.seeds), args.only,
            lambda msg: print(msg, file=sys.stderr, flush=True))
        return 0
    if args.cmd == "figures":
        figures(args.dir)
        return 0
    if args.cmd == "write":
        write(args.dir, args.files)
        return 0
    bad = stale(args.dir, args.files)
    for f in bad:
        print(f"{f}: the reproductions table differs from {args.dir}; rerun `python -m "
              f"addsim.population.reproduce.table write {args.dir} {f}`", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
