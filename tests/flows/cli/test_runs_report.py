"""`runs report` and `runs show`'s summary of what held changes back, on the shared app warehouse
(a real upgrade-python campaign: two changes merged, one blocked by a test)."""

from __future__ import annotations

from typer.testing import CliRunner

from flows.cli.main import app

runner = CliRunner()


def test_the_report_lists_every_change_and_why_one_was_held(app_warehouse, tmp_path):
    out = tmp_path / "report" / "campaign.md"
    run = app_warehouse.campaign_run_id[:8]
    ran = runner.invoke(
        app, ["--db", str(app_warehouse.db), "runs", "report", run, "--out", str(out)]
    )
    assert ran.exit_code == 0, ran.output
    report = out.read_text(encoding="utf-8")
    assert report.startswith("# Campaign report: upgrade-python")
    assert "3 change(s): 1 blocked, 2 merged" in report
    assert "**Held back**: 1 blocked: 1 x tests fail after the change" in report
    assert "test_old_spelling" in report  # the new failure is named
    assert report.count("\n| ") == 4  # the header and one row per change

    printed = runner.invoke(app, ["--db", str(app_warehouse.db), "runs", "report", run])
    assert printed.exit_code == 0 and printed.output == report


def test_runs_show_summarises_the_held_changes_by_reason(app_warehouse):
    run = app_warehouse.campaign_run_id[:8]
    shown = runner.invoke(app, ["--db", str(app_warehouse.db), "runs", "show", run])
    assert shown.exit_code == 0, shown.output
    assert "held back: 1 blocked: 1 x tests fail after the change" in shown.output


def test_a_report_of_an_unknown_run_is_one_line(app_warehouse):
    ran = runner.invoke(app, ["--db", str(app_warehouse.db), "runs", "report", "ffffffff"])
    assert ran.exit_code != 0 and "Traceback" not in ran.output
