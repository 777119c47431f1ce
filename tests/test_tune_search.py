"""The tuner's search and pick rule on recorded measurements: no servers, no clocks (a fake one)."""
from __future__ import annotations

import pytest

from models.tune_search import (Config, Point, Space, choose_strategy, coarse_to_fine, finalists, full_grid, ladder,
                                pick, run_search)

C = 32  # the concurrency picks are made at in these tests
BASELINE = Config(1, 0, 2)


def pt(b, d, w, rps, p99, *, c=C, errors=0, batch=None) -> Point:
    return Point(Config(b, d, w), c, rps, p99 / 2, p99, batch, errors)


RECORDED = [
    pt(1, 0, 2, 1000, 40),
    pt(8, 10, 2, 3000, 20),
    pt(16, 10, 2, 5000, 30),
    pt(32, 10, 2, 6000, 45),
    pt(64, 10, 2, 6500, 80, errors=3),
    pt(32, 10, 2, 9000, 5, c=8),  # another concurrency: never picked at 32
]


# -- the pick rule -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("objective, expected", [
    (35, Config(16, 10, 2)),
    (45, Config(32, 10, 2)),     # p99 equal to the objective meets it
    (44.9, Config(16, 10, 2)),   # just below: 32 / 10 ms no longer qualifies
    (100, Config(32, 10, 2)),    # batch 64 is faster but had failed requests
    (20, Config(8, 10, 2)),
])
def test_pick_under_an_objective(objective, expected):
    chosen = pick(RECORDED, C, BASELINE, objective)
    assert chosen.point.config == expected
    assert chosen.bound_ms == objective
    assert chosen.reason == f"highest req/s meeting the objective p99 <= {objective:g} ms at 32 clients"


def test_pick_without_objective_is_bounded_by_batch_size_1():
    chosen = pick(RECORDED, C, BASELINE, None)
    assert chosen.point.config == Config(16, 10, 2)  # 32 / 10 ms: p99 45 ms, worse than batch 1's 40 ms
    assert chosen.bound_ms == 40
    assert chosen.reason == "highest req/s meeting p99 no worse than batch size 1 (40.0 ms) at 32 clients"


def test_pick_at_another_concurrency_reads_only_its_points():
    chosen = pick(RECORDED, 8, BASELINE, 10)
    assert chosen.point == RECORDED[-1]


def test_ties_go_to_lower_p99_then_fewer_workers_then_smaller_batch_then_shorter_delay():
    # 4,850 req/s is exactly 3 % below 5,000: a tie; 4,849 is not.
    points = [pt(1, 0, 2, 1000, 90), pt(16, 10, 2, 5000, 30), pt(32, 5, 1, 4850, 25), pt(64, 10, 2, 4849, 10)]
    assert pick(points, C, BASELINE, None).point.config == Config(32, 5, 1)
    same_p99 = [pt(1, 0, 2, 1000, 90), pt(16, 10, 2, 5000, 30), pt(16, 10, 1, 4990, 30)]
    assert pick(same_p99, C, BASELINE, None).point.config == Config(16, 10, 1)
    same_workers = [pt(1, 0, 2, 1000, 90), pt(32, 10, 2, 5000, 30), pt(16, 10, 2, 5000, 30)]
    assert pick(same_workers, C, BASELINE, None).point.config == Config(16, 10, 2)
    same_batch = [pt(1, 0, 2, 1000, 90), pt(16, 10, 2, 5000, 30), pt(16, 5, 2, 5000, 30)]
    assert pick(same_batch, C, BASELINE, None).point.config == Config(16, 5, 2)


def test_all_points_failing_the_objective_give_no_pick_and_say_why():
    chosen = pick(RECORDED, C, BASELINE, 5)
    assert chosen.point is None
    assert chosen.bound_ms == 5
    assert chosen.reason == ("no point meets the objective p99 <= 5 ms at 32 clients: the lowest p99 measured was "
                             "20.0 ms (batch 8 / 10 ms / 2 workers); relax the objective, or give the model more CPU")


def test_no_pick_without_objective_or_baseline():
    chosen = pick([pt(16, 10, 2, 5000, 30)], C, BASELINE, None)
    assert chosen.point is None
    assert chosen.reason == ("batch size 1 (batch 1 / 0 ms / 2 workers) was not measured cleanly (no failed "
                             "request, some answered) at 32 clients, and there is no latency objective to judge by")


def test_no_pick_when_every_point_failed_requests():
    chosen = pick([pt(1, 0, 2, 1000, 40, errors=1)], C, BASELINE, 100)
    assert (chosen.point, chosen.reason) == (None, "every point at 32 clients had failed requests or none answered")
    assert pick(RECORDED, 64, BASELINE, 100).reason == "no point was measured at 64 clients"


# -- the search --------------------------------------------------------------------------------------------

# A recorded landscape at 32 clients, every configuration the climb may visit: (batch, delay, workers) -> (req/s,
# p99 ms). Batching pays up to 32; 64 breaks the latency bound (batch size 1's p99, 40 ms); 5 ms is the best delay.
LANDSCAPE = {
    (1, 0, 2): (1000, 40), (2, 10, 2): (1500, 35), (4, 10, 2): (2500, 30), (8, 10, 2): (3500, 25),
    (16, 10, 2): (5000, 22), (32, 10, 2): (5200, 38), (64, 10, 2): (4000, 60),
    (32, 5, 2): (5400, 30), (32, 20, 2): (5100, 45), (32, 2, 2): (5000, 25), (32, 5, 1): (4000, 30),
}
SPACE = Space(batch_sizes=ladder(1, 64), delays_ms=(1, 2, 5, 10, 20, 50), workers=(1, 2),
              declared=Config(16, 10, 2))


def replay(space, landscape, objective=None):
    points: list[Point] = []
    visited = []
    for config in coarse_to_fine(space, points, C, objective):
        visited.append(config)
        rps, p99 = landscape[(config.max_batch_size, config.max_delay_ms, config.workers)]
        points.append(Point(config, C, rps, p99 / 2, p99, None, 0))
    return visited, points


def test_coarse_to_fine_visits_batch_sizes_then_delays_then_workers():
    visited, points = replay(SPACE, LANDSCAPE)
    assert visited == [
        Config(1, 0, 2), Config(16, 10, 2),                      # baseline, declared
        Config(4, 10, 2), Config(64, 10, 2),                     # coarse: 1, 4, 16, 64
        Config(8, 10, 2), Config(32, 10, 2),                     # fine: neighbours of 16; 32 wins, its are seen
        Config(32, 5, 2), Config(32, 20, 2), Config(32, 2, 2),   # delay: 5 beats 10; 2 does not beat 5
        Config(32, 5, 1),                                        # workers
    ]
    assert len(visited) < len(SPACE.grid()) == 74
    assert pick(points, C, SPACE.baseline, None).point.config == Config(32, 5, 2)


def test_delay_is_searched_only_where_batching_pays():
    # Bound 10 ms, 15 with the search's slack: batch 4 (12 ms) leads but gains only 8 % (< 10 %) on batch 1.
    flat = {(1, 0, 2): (1000, 10), (16, 10, 2): (1050, 30), (4, 10, 2): (1080, 12), (64, 10, 2): (1090, 90),
            (2, 10, 2): (1020, 11), (8, 10, 2): (1060, 20), (4, 10, 1): (700, 12)}
    visited, points = replay(SPACE, flat)
    assert visited == [Config(1, 0, 2), Config(16, 10, 2), Config(4, 10, 2), Config(64, 10, 2),
                       Config(2, 10, 2), Config(8, 10, 2), Config(4, 10, 1)]
    assert pick(points, C, SPACE.baseline, None).point.config == Config(1, 0, 2)


def test_the_objective_steers_the_climb():
    # With p99 <= 25 ms, 16 / 10 ms (22 ms) is the best batch size; 8 is its only neighbour that meets it.
    visited, points = replay(SPACE, {**LANDSCAPE, (16, 5, 2): (4800, 20), (16, 20, 2): (5400, 24),
                                     (16, 50, 2): (5000, 26), (16, 20, 1): (3000, 20)}, objective=25)
    assert visited[:6] == [Config(1, 0, 2), Config(16, 10, 2), Config(4, 10, 2), Config(64, 10, 2),
                           Config(8, 10, 2), Config(32, 10, 2)]
    assert visited[6:] == [Config(16, 5, 2), Config(16, 20, 2), Config(16, 50, 2), Config(16, 20, 1)]
    assert pick(points, C, SPACE.baseline, 25).point.config == Config(16, 20, 2)


def test_ladder_and_grid():
    assert ladder(1, 64) == (1, 2, 4, 8, 16, 32, 64)
    assert ladder(1, 3) == (1, 2, 3)
    assert ladder(1, 1) == (1,)
    tiny = Space(batch_sizes=(16,), delays_ms=(10,), workers=(2,), declared=Config(16, 10, 2))
    assert tiny.grid() == [Config(1, 0, 2), Config(16, 10, 2)]
    # declared workers outside the ladder: the baseline takes the ladder's first count, the declared stays
    other = Space(batch_sizes=(4,), delays_ms=(5,), workers=(1,), declared=Config(16, 10, 2))
    assert other.grid() == [Config(1, 0, 1), Config(16, 10, 2), Config(4, 5, 1)]


def test_full_grid_only_when_the_budget_pays_for_it():
    tiny = Space(batch_sizes=(16,), delays_ms=(10,), workers=(2,), declared=Config(16, 10, 2))
    assert choose_strategy(tiny, 10.0, 20.0) == ("full grid", full_grid)
    assert choose_strategy(tiny, 10.0, 19.9) == ("coarse-to-fine", coarse_to_fine)
    assert list(full_grid(tiny, [], C, None)) == [Config(1, 0, 2), Config(16, 10, 2)]


# -- the budget --------------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def budget_run(budget_s, reserve=lambda cost: 0.0):
    clock = FakeClock()
    points: list[Point] = []
    measured = []

    def measure(config):
        clock.now += 20.0  # each configuration costs 20 s
        measured.append(config)
        rps, p99 = LANDSCAPE[(config.max_batch_size, config.max_delay_ms, config.workers)]
        return [Point(config, C, rps, p99 / 2, p99, None, 0)]

    seen = []
    result = run_search(coarse_to_fine(SPACE, points, C, None), points, measure, budget_s=budget_s, clock=clock,
                        first_cost_s=20.0, reserve_s=reserve,
                        on_point=lambda config, new, elapsed, cost: seen.append((config, elapsed, cost)))
    return result, measured, seen


def test_budget_cuts_the_search_before_a_configuration_it_cannot_pay_for():
    result, measured, seen = budget_run(79.9)
    assert measured == [Config(1, 0, 2), Config(16, 10, 2), Config(4, 10, 2)]
    assert result.configs == measured
    assert result.cut == ("budget: 60 s used of 80 s, 0 s kept for the final run, and the next configuration "
                          "(batch 64 / 10 ms / 2 workers) needs about 20 s")
    assert seen == [(Config(1, 0, 2), 20.0, 20.0), (Config(16, 10, 2), 40.0, 20.0), (Config(4, 10, 2), 60.0, 20.0)]


def test_budget_boundary_and_reserve():
    result, measured, _ = budget_run(80.0)  # exactly enough for a fourth configuration
    assert len(measured) == 4 and result.cut is not None
    result, measured, _ = budget_run(80.0, reserve=lambda cost: 2 * cost)  # 40 s kept back: two fit
    assert measured == [Config(1, 0, 2), Config(16, 10, 2)]
    assert result.cut.startswith("budget: 40 s used of 80 s, 40 s kept for the final run")


def test_a_budget_that_pays_for_everything_is_not_cut():
    result, measured, _ = budget_run(10_000)
    assert result.cut is None and len(measured) == 10


# -- the finalists -----------------------------------------------------------------------------------------


def test_finalists_are_the_best_by_the_pick_rule_bound():
    # Bound: batch size 1's p99, 40 ms, 60 with the search's slack: 32 / 10 ms (45 ms) is a finalist though the
    # final run must bring it under 40 to be picked; 64 had errors: last.
    assert finalists(RECORDED, C, BASELINE, None, 2) == [Config(32, 10, 2), Config(16, 10, 2)]
    assert finalists(RECORDED, C, BASELINE, None, 10) == [Config(32, 10, 2), Config(16, 10, 2), Config(8, 10, 2),
                                                          Config(1, 0, 2), Config(64, 10, 2)]
    # Objective 25 ms (37.5 with slack): 16 / 10 ms (30 ms) and 8 / 10 ms qualify; 32 / 10 ms (45 ms) does not.
    assert finalists(RECORDED, C, BASELINE, 25, 2) == [Config(16, 10, 2), Config(8, 10, 2)]
    # Nothing meets 5 ms (7.5): the lowest p99 first.
    assert finalists(RECORDED, C, BASELINE, 5, 3) == [Config(8, 10, 2), Config(16, 10, 2), Config(1, 0, 2)]


def test_search_slack_boundary():
    # 60 ms is exactly 1.5 x batch size 1's 40 ms: still within the search's bound; 60.1 is not.
    at = [pt(1, 0, 2, 1000, 40), pt(16, 10, 2, 5000, 60), pt(8, 10, 2, 3000, 20)]
    assert finalists(at, C, BASELINE, None, 1) == [Config(16, 10, 2)]
    over = [pt(1, 0, 2, 1000, 40), pt(16, 10, 2, 5000, 60.1), pt(8, 10, 2, 3000, 20)]
    assert finalists(over, C, BASELINE, None, 1) == [Config(8, 10, 2)]


def test_a_window_in_which_nothing_answered_is_not_a_point_to_pick():
    # wrk reports 0 req/s and no latency (p99 0) when no request completed within the window: not "fast".
    silent_baseline = [pt(1, 0, 2, 0, 0), pt(16, 10, 2, 5000, 30)]
    assert pick(silent_baseline, C, BASELINE, None).reason == (
        "batch size 1 (batch 1 / 0 ms / 2 workers) was not measured cleanly (no failed request, some answered) at 32 "
        "clients, and there is no latency objective to judge by")
    assert pick(silent_baseline, C, BASELINE, 50).point.config == Config(16, 10, 2)
    assert pick([pt(16, 10, 2, 0, 0)], C, BASELINE, 50).reason == (
        "every point at 32 clients had failed requests or none answered")
    assert finalists(silent_baseline, C, BASELINE, 50, 2) == [Config(16, 10, 2), Config(1, 0, 2)]
