"""What the tuner prints and writes, from recorded points: the comparison line, the lines to paste, progress."""
from __future__ import annotations

import json
import platform
import struct
import subprocess

import pytest

from models.tune_report import (cpu_model, duration, figure, machine_info, mem_total_gib, paste_lines, plot,
                                point_dict, progress_line, summary, write_json)
from models.tune_search import Config, Point

PICK = Point(Config(32, 5, 2), 32, 6000.0, 4.0, 20.0, 31.5, 0)
DECLARED = Point(Config(16, 10, 2), 32, 4800.0, 5.0, 25.0, 16.0, 0)
BASE = Point(Config(1, 0, 2), 32, 1000.0, 25.0, 40.0, 1.0, 0)


def test_summary_compares_the_pick_with_batch_1_and_the_declared_configuration():
    assert summary([("pick", PICK), ("declared", DECLARED), ("batch 1", BASE)], 40.0) == (
        "pick: 6.00x the req/s of batch size 1 at p99 20.0 ms against 40.0 ms; 1.25x the req/s of the declared "
        "configuration at p99 20.0 ms against 25.0 ms")


def test_summary_when_the_declared_configuration_is_within_5_percent_or_over_the_bound():
    near = Point(DECLARED.config, 32, 5700.0, 5.0, 19.0, 16.0, 0)  # exactly 5 % below the pick
    assert summary([("pick", PICK), ("declared", near), ("batch 1", BASE)], 40.0).endswith(
        ". The declared configuration is within 5 % of the pick (5,700 against 6,000 req/s)")
    below = Point(DECLARED.config, 32, 5699.0, 5.0, 19.0, 16.0, 0)
    assert "within 5 %" not in summary([("pick", PICK), ("declared", below), ("batch 1", BASE)], 40.0)
    faster_but_slow = Point(DECLARED.config, 32, 9000.0, 5.0, 41.0, 16.0, 0)
    assert summary([("pick", PICK), ("declared", faster_but_slow), ("batch 1", BASE)], 40.0).endswith(
        ". The declared configuration served more (9,000 req/s) but its p99 41.0 ms misses the bound 40.0 ms")
    assert summary([("pick", DECLARED), ("declared", DECLARED), ("batch 1", BASE)], 40.0) == (
        "pick: 4.80x the req/s of batch size 1 at p99 25.0 ms against 40.0 ms; the pick is the declared "
        "configuration")
    assert summary([("declared", DECLARED), ("batch 1", BASE)], 40.0) == "no pick to compare"


def test_paste_lines_per_runtime():
    assert paste_lines(Config(32, 5, 2), "torchserve") == ["batching=Batching(max_batch_size=32, max_delay_ms=5),",
                                                           "workers=2,"]
    assert paste_lines(Config(16, 2, 1), "triton") == [
        "phase_overrides={Phase.HYBRID: PhaseOverride(batching=Batching(max_batch_size=16, max_delay_ms=2), "
        "workers=1)},"]


def test_progress_line_and_point_record(tmp_path):
    failed = Point(Config(64, 10, 2), 64, 812.34, 50.0, 180.456, None, 3)
    assert progress_line(4, 9, PICK.config, [PICK, failed], 75.4) == (
        "[4/9] batch 32 / 5 ms / 2 workers: @32 6,000 req/s p99 20.0 ms batch 31.5 | @64 812 req/s p99 180.5 ms "
        "3 errors (~1m15s left)")
    path = write_json(tmp_path / "t.json", {"points": [point_dict(failed)]})
    assert json.loads(path.read_text()) == {"points": [{
        "max_batch_size": 64, "max_delay_ms": 10, "workers": 2, "concurrency": 64, "rps": 812.3, "p50_ms": 50.0,
        "p99_ms": 180.46, "mean_batch": None, "errors": 3}]}


def test_machine_facts_are_read_from_proc_texts():
    assert mem_total_gib("MemFree:  1024 kB\nMemTotal:       16318412 kB\n") == 15.6
    assert mem_total_gib("MemTotal: 1048576 kB\n") == 1.0
    assert mem_total_gib("MemTotal: lots kB\n") is None and mem_total_gib("") is None
    assert cpu_model("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nmodel name\t: other\n") == "AMD EPYC 7B13"


def test_machine_info_names_the_tools_as_they_report_themselves():
    info = machine_info()
    java = subprocess.run(["java", "-version"], capture_output=True, text=True)
    assert info["java"] == (java.stdout + java.stderr).strip().splitlines()[0]
    assert info["wrk"].startswith("wrk ")
    assert info["cpus_usable"] >= 1 and info["python"] == platform.python_version()
    assert isinstance(info["memory_gib"], float) and info["memory_gib"] > 0


def test_plot_is_an_880_by_605_png(tmp_path):
    path = plot(tmp_path / "p.png", [PICK, DECLARED, BASE], 32, [("pick", PICK), ("declared", DECLARED)], 40.0, "t")
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == (880, 605)  # figsize (8, 5.5) inches at 110 dpi


@pytest.mark.parametrize("seconds, text", [(-3, "0s"), (0, "0s"), (59.4, "59s"), (60, "1m00s"), (61, "1m01s"),
                                           (3599, "59m59s"), (3600, "60m00s")])
def test_durations_read_as_minutes_from_one_minute(seconds, text):
    assert duration(seconds) == text


def test_the_figure_labels_every_point_and_names_each_marked_role():
    from matplotlib import pyplot as plt

    failed = Point(Config(64, 10, 2), 32, 10.0, 50.0, 180.0, None, 3)  # errors: left out
    elsewhere = Point(Config(8, 1, 1), 64, 900.0, 5.0, 9.0, None, 0)  # another concurrency: left out
    fig = figure([PICK, DECLARED, BASE, failed, elsewhere], 32, [("pick", PICK), ("declared", DECLARED)], 40.0,
                 "fraud-scorer")
    try:
        (ax,) = fig.axes
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [
            "searched", "pick: 32/5 ms/2w (final run)", "declared: 16/10 ms/2w (final run)",
            "objective p99 40 ms"]
        assert sorted(a.get_text() for a in ax.texts) == ["1/0/2", "16/10/2", "32/5/2"]
        assert {a.get_color() for a in ax.texts} == {"0.35"}
        assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_title()) == ("p99 latency (ms)", "requests/s",
                                                                        "fraud-scorer")
    finally:
        plt.close(fig)


def test_marked_points_are_drawn_over_the_searched_ones_and_labels_stay_small():
    """The pick and the declared configuration sit among the searched points (same p99 and req/s when the final
    run agrees): they must be drawn on top, and the point labels must not crowd the axis text."""
    from matplotlib import pyplot as plt
    from matplotlib.collections import PathCollection

    fig = figure([PICK, DECLARED, BASE], 32, [("pick", PICK), ("declared", DECLARED)], 40.0, "t")
    try:
        (ax,) = fig.axes
        searched, *marked = [c for c in ax.collections if isinstance(c, PathCollection)]
        assert searched.get_label() == "searched"
        assert all(m.get_zorder() > searched.get_zorder() for m in marked) and len(marked) == 2
        assert {a.get_fontsize() for a in ax.texts} == {7.0}
        assert all(a.get_fontsize() < ax.xaxis.label.get_fontsize() for a in ax.texts)
        assert ax.get_legend().get_texts()[0].get_fontsize() == 8.0
    finally:
        plt.close(fig)
