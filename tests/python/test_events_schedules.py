"""EventBridge schedules against a real laminar: `rate(…)` observed to fire
(with --schedule-time-scale 60, a minute is a second), the `Scheduled Event`
document compared whole, AWS's validation of schedule expressions, and a
schedule surviving kill -9."""

from __future__ import annotations

import re
import signal
import time

import pytest

from events_testing import error_of, events_client, function_arn, recorder, rule_arn
from laminar_testing import ACCOUNT, REGION, UUID, runs, wait_for

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SCALE = ["--schedule-time-scale", "60"]


def scheduled(run: dict, rule: str) -> dict:
    event = dict(run["event"])
    assert UUID.match(event.pop("id"))
    assert TIME.match(event.pop("time"))
    assert event == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "region": REGION,
        "resources": [rule],
        "detail": {},
    }
    return event


def test_a_rate_schedule_fires_on_time(laminar_factory, tmp_path):
    server = laminar_factory(extra_args=SCALE)
    events = events_client(server.url)
    rule = events.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")["RuleArn"]
    assert rule == rule_arn("every-minute")
    recorder(server.client(), "eb-tick", tmp_path, rule=rule)
    events.put_targets(Rule="every-minute", Targets=[{"Id": "f", "Arn": function_arn("eb-tick")}])
    got = wait_for(lambda: len(runs(tmp_path, "eb-tick")) >= 3 and runs(tmp_path, "eb-tick"),
                   timeout=30, what="three firings")
    for run in got:
        scheduled(run, rule)
    # Disabled, it stops.
    events.disable_rule(Name="every-minute")
    settled = len(runs(tmp_path, "eb-tick"))
    time.sleep(3)
    assert len(runs(tmp_path, "eb-tick")) <= settled + 2


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "rate(1 second)",
        "cron(0 10 * * * *)",
        "cron(0 10 ? * ? *)",
        "cron(0 10 * *)",
        "cron(60 * * * ? *)",
        "cron(0 0 ? * 8 *)",
        "every minute",
    ],
)
def test_invalid_schedule_expressions_are_refused_as_aws(laminar, expression):
    events = events_client(laminar.url)
    assert error_of(events.put_rule, Name="bad-schedule", ScheduleExpression=expression) == (
        400,
        "ValidationException",
        "Parameter ScheduleExpression is not valid.",
    )


def test_aws_documented_cron_expressions_are_taken(laminar):
    events = events_client(laminar.url)
    for n, expression in enumerate(
        [
            "cron(0 10 * * ? *)",
            "cron(15 12 * * ? *)",
            "cron(0 18 ? * MON-FRI *)",
            "cron(0 8 1 * ? *)",
            "cron(0/15 * * * ? *)",
            "cron(0/10 * ? * MON-FRI *)",
            "cron(0/5 8-17 ? * MON-FRI *)",
            "cron(0 9 ? * 2#1 *)",
            "cron(0 12 L * ? *)",
            "cron(0 12 15W * ? *)",
            "cron(0 12 ? * 6L 2030-2040)",
            "rate(5 minutes)",
            "rate(1 hour)",
            "rate(7 days)",
        ]
    ):
        arn = events.put_rule(Name=f"cron-{n}", ScheduleExpression=expression)["RuleArn"]
        assert events.describe_rule(Name=f"cron-{n}")["ScheduleExpression"] == expression
        assert arn == rule_arn(f"cron-{n}")


def test_a_schedule_survives_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = laminar_factory(data_dir=data_dir, extra_args=SCALE)
    events = events_client(first.url)
    rule = events.put_rule(Name="durable-tick", ScheduleExpression="rate(2 minutes)")["RuleArn"]
    recorder(first.client(), "eb-durable-tick", runs_dir, rule=rule)
    events.put_targets(Rule="durable-tick", Targets=[{"Id": "f", "Arn": function_arn("eb-durable-tick")}])
    wait_for(lambda: runs(runs_dir, "eb-durable-tick"), timeout=30, what="a first firing")
    assert first.kill() == -signal.SIGKILL
    before = len(runs(runs_dir, "eb-durable-tick"))
    second = laminar_factory(data_dir=data_dir, extra_args=SCALE)
    assert events_client(second.url).describe_rule(Name="durable-tick")["State"] == "ENABLED"
    after = wait_for(
        lambda: len(runs(runs_dir, "eb-durable-tick")) >= before + 2 and runs(runs_dir, "eb-durable-tick"),
        timeout=30,
        what="firings after the restart",
    )
    for run in after:
        scheduled(run, rule)
