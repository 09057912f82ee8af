"""The state a change enters after the gate: gate, then dry run, then the roll-out limits."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from fixers.gate import GateDecision
from fixers.lifecycle import (
    FINAL_STATES,
    Change,
    ChangeState,
    RolloutLimits,
    after_pull_request,
    next_state,
)

PASS = GateDecision(merge=True, reasons=["confidence 0.90 >= 0.80", "risk LOW may auto-merge"])
BLOCK = GateDecision(
    merge=False, reasons=["confidence 0.50 < 0.80", "the test suite timed out"], review=False
)
REVIEW = GateDecision(merge=False, reasons=["risk HIGH needs a person's review"], review=True)
LIMITS = RolloutLimits(max_open_prs=3, prs_per_hour=5)


def test_change_states_and_final_states():
    assert [s.value for s in ChangeState] == [
        "UNPUBLISHED",
        "BLOCKED",
        "WAITING",
        "OPEN",
        "MERGED",
        "CLOSED",
        "FAILED",
        "REVERTED",
    ]
    assert ChangeState.OPEN == "OPEN"
    assert {
        "UNPUBLISHED",
        "BLOCKED",
        "OPEN",
        "MERGED",
        "CLOSED",
        "FAILED",
        "REVERTED",
    } == FINAL_STATES
    assert "WAITING" not in FINAL_STATES
    assert "PLANNED" not in FINAL_STATES  # a plan item not yet in a change is not done


def test_rollout_limit_defaults():
    assert RolloutLimits() == RolloutLimits(max_open_prs=10, prs_per_hour=20)


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_blocking_gate_blocks_even_in_a_dry_run_and_gives_every_reason(dry_run):
    nxt = next_state(BLOCK, dry_run=dry_run, open_now=0, published_last_hour=0, limits=LIMITS)
    assert nxt.state is ChangeState.BLOCKED
    assert (nxt.publish, nxt.merge) == (False, False)
    assert nxt.why == "confidence 0.50 < 0.80; the test suite timed out"


def test_blocking_wins_over_full_rollout_limits():
    nxt = next_state(BLOCK, dry_run=False, open_now=99, published_last_hour=99, limits=LIMITS)
    assert nxt.state is ChangeState.BLOCKED


def test_a_dry_run_of_a_passing_change_is_unpublished():
    nxt = next_state(PASS, dry_run=True, open_now=99, published_last_hour=99, limits=LIMITS)
    assert nxt.state is ChangeState.UNPUBLISHED
    assert (nxt.publish, nxt.merge) == (False, False)
    assert nxt.why == "dry run: confidence 0.90 >= 0.80; risk LOW may auto-merge"


def test_a_dry_run_of_a_review_change_is_unpublished():
    nxt = next_state(REVIEW, dry_run=True, open_now=0, published_last_hour=0, limits=LIMITS)
    assert nxt.state is ChangeState.UNPUBLISHED
    assert nxt.why == "dry run: risk HIGH needs a person's review"


@pytest.mark.parametrize("decision", [PASS, REVIEW])
def test_open_pull_requests_at_the_limit_wait(decision):
    nxt = next_state(decision, dry_run=False, open_now=3, published_last_hour=0, limits=LIMITS)
    assert nxt.state is ChangeState.WAITING
    assert (nxt.publish, nxt.merge) == (False, False)
    assert nxt.why == "3 open pull requests (limit 3)"


@pytest.mark.parametrize("decision", [PASS, REVIEW])
def test_published_this_hour_at_the_limit_waits(decision):
    nxt = next_state(decision, dry_run=False, open_now=2, published_last_hour=5, limits=LIMITS)
    assert nxt.state is ChangeState.WAITING
    assert (nxt.publish, nxt.merge) == (False, False)
    assert nxt.why == "5 published this hour (limit 5)"


def test_the_open_limit_is_checked_before_the_hourly_limit():
    nxt = next_state(PASS, dry_run=False, open_now=4, published_last_hour=9, limits=LIMITS)
    assert nxt.why == "4 open pull requests (limit 3)"


def test_a_review_only_decision_opens_a_pull_request_without_merging():
    nxt = next_state(REVIEW, dry_run=False, open_now=2, published_last_hour=4, limits=LIMITS)
    assert nxt.state is ChangeState.OPEN
    assert (nxt.publish, nxt.merge) == (True, False)
    assert nxt.why == "risk HIGH needs a person's review"


def test_a_passing_change_just_under_the_limits_is_published_and_merged():
    nxt = next_state(PASS, dry_run=False, open_now=2, published_last_hour=4, limits=LIMITS)
    assert nxt.state is ChangeState.MERGED
    assert (nxt.publish, nxt.merge) == (True, True)
    assert nxt.why == "gate passed"


def test_zero_limits_let_nothing_out():
    nxt = next_state(PASS, False, 0, 0, RolloutLimits(max_open_prs=0, prs_per_hour=0))
    assert nxt.state is ChangeState.WAITING
    assert nxt.why == "0 open pull requests (limit 0)"


def test_change_defaults_and_state_coercion():
    base = {
        "change_id": "c1",
        "run_id": "r1",
        "repo": "acme/app",
        "batch_key": "src#0",
        "branch": "globallm/r1/upgrade-python",
        "base_branch": "main",
        "base_sha": "abc123",
        "generated_by": "recipe:upgrade-python",
    }
    change = Change(**base)
    assert change.state is ChangeState.UNPUBLISHED
    assert (change.provider, change.merged, change.reverted) == ("local", False, False)
    assert (change.files_changed, change.lines_added, change.lines_removed) == (0, 0, 0)
    assert change.gate_merge is None
    assert change.gate_reasons == []
    assert Change(**base, state="MERGED").state is ChangeState.MERGED
    assert Change(**base).gate_reasons is not change.gate_reasons  # no shared mutable default
    with pytest.raises(ValidationError):
        Change(**base, state="PLANNED")


@pytest.mark.parametrize(
    ("pr_state", "merged", "expected"),
    [
        ("closed", True, ChangeState.MERGED),
        ("closed", False, ChangeState.CLOSED),
        ("open", False, ChangeState.OPEN),
        ("CLOSED", False, ChangeState.CLOSED),
    ],
)
def test_an_open_change_follows_its_pull_request(pr_state, merged, expected):
    assert after_pull_request(ChangeState.OPEN, pr_state, merged) is expected


@pytest.mark.parametrize("state", [s for s in ChangeState if s is not ChangeState.OPEN])
def test_only_an_open_change_moves_when_its_pull_request_is_read(state):
    assert after_pull_request(state, "closed", True) is state
