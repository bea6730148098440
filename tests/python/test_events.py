"""EventBridge through boto3 against a real laminar: buses, rules, targets
and their errors as AWS words them; the pattern grammar through
TestEventPattern; events delivered to functions and queues (whole, or shaped
by Input, InputPath and InputTransformer); asynchronous invocation records
to a bus; deliveries surviving kill -9."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys

import boto3
from botocore.config import Config

from events_testing import (
    as_json,
    bare,
    bus_arn,
    error_of,
    events_client,
    function_arn,
    queue_arn,
    receive_bodies,
    recorder,
    rule_arn,
)
from laminar_testing import ACCOUNT, AWS_ENV, REGION, UUID, runs, sqs_client, wait_for

# The EC2 event of AWS's event pattern documentation.
EC2_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {
        "instance-id": "i-1234567890abcdef0",
        "state": "terminated",
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.123",
        "location": "us-east-1a",
        "filename": "/var/log/app.log",
        "tags": ["prod", "web"],
    },
}


def test_buses_answer_as_aws(laminar):
    events = events_client(laminar.url)
    default = events.describe_event_bus()
    assert default["Name"] == "default"
    assert default["Arn"] == bus_arn("default")
    created = events.create_event_bus(Name="orders-bus", Description="orders")
    assert bare(created) == {"EventBusArn": bus_arn("orders-bus"), "Description": "orders"}
    described = bare(events.describe_event_bus(Name=bus_arn("orders-bus")))
    assert isinstance(described.pop("CreationTime"), datetime.datetime)
    assert isinstance(described.pop("LastModifiedTime"), datetime.datetime)
    assert described == {"Name": "orders-bus", "Arn": bus_arn("orders-bus"), "Description": "orders"}
    names = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert "default" in names and "orders-bus" in names
    assert [b["Name"] for b in events.list_event_buses(NamePrefix="orders")["EventBuses"]] == [
        "orders-bus"
    ]
    assert error_of(events.create_event_bus, Name="orders-bus") == (
        400,
        "ResourceAlreadyExistsException",
        "Event bus orders-bus already exists.",
    )
    assert error_of(events.describe_event_bus, Name="nope") == (
        400,
        "ResourceNotFoundException",
        "Event bus nope does not exist.",
    )
    assert error_of(events.delete_event_bus, Name="default") == (
        400,
        "ValidationException",
        "Cannot delete event bus default.",
    )
    events.tag_resource(ResourceARN=bus_arn("orders-bus"), Tags=[{"Key": "team", "Value": "a"}])
    assert events.list_tags_for_resource(ResourceARN=bus_arn("orders-bus"))["Tags"] == [
        {"Key": "team", "Value": "a"}
    ]
    events.delete_event_bus(Name="orders-bus")
    assert error_of(events.describe_event_bus, Name="orders-bus")[1] == "ResourceNotFoundException"


def test_rules_and_targets_lifecycle_with_aws_errors(laminar):
    events = events_client(laminar.url)
    pattern = json.dumps({"source": ["shop"]})
    arn = events.put_rule(Name="life", EventPattern=pattern, Description="d")["RuleArn"]
    assert arn == rule_arn("life")
    assert bare(events.describe_rule(Name="life")) == {
        "Name": "life",
        "Arn": arn,
        "EventPattern": pattern,
        "State": "ENABLED",
        "Description": "d",
        "EventBusName": "default",
        "CreatedBy": ACCOUNT,
    }
    events.disable_rule(Name="life")
    assert events.describe_rule(Name="life")["State"] == "DISABLED"
    events.enable_rule(Name="life")
    assert events.describe_rule(Name="life")["State"] == "ENABLED"
    for n in range(3):
        events.put_rule(Name=f"life-page-{n}", ScheduleExpression="rate(1 day)", State="DISABLED")
    first = events.list_rules(NamePrefix="life-page-", Limit=2)
    assert [r["Name"] for r in first["Rules"]] == ["life-page-0", "life-page-1"]
    second = events.list_rules(NamePrefix="life-page-", Limit=2, NextToken=first["NextToken"])
    assert [r["Name"] for r in second["Rules"]] == ["life-page-2"]
    assert "NextToken" not in second
    assert second["Rules"][0] == {
        "Name": "life-page-2",
        "Arn": rule_arn("life-page-2"),
        "ScheduleExpression": "rate(1 day)",
        "State": "DISABLED",
        "EventBusName": "default",
    }

    targets = [
        {"Id": "q", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:somewhere"},
        {"Id": "f", "Arn": function_arn("f"), "InputPath": "$.detail"},
    ]
    assert bare(events.put_targets(Rule="life", Targets=targets)) == {
        "FailedEntryCount": 0,
        "FailedEntries": [],
    }
    assert events.list_targets_by_rule(Rule="life")["Targets"] == targets
    assert events.list_rule_names_by_target(TargetArn=function_arn("f"))["RuleNames"] == ["life"]
    assert error_of(events.delete_rule, Name="life") == (
        400,
        "ValidationException",
        "Rule can't be deleted since it has targets.",
    )
    assert bare(events.remove_targets(Rule="life", Ids=["q", "f"])) == {
        "FailedEntryCount": 0,
        "FailedEntries": [],
    }
    events.delete_rule(Name="life")
    assert error_of(events.describe_rule, Name="life") == (
        400,
        "ResourceNotFoundException",
        "Rule life does not exist on EventBus default.",
    )
    assert error_of(events.put_targets, Rule="life", Targets=targets)[2] == (
        "Rule life does not exist on EventBus default."
    )


def test_bad_rules_get_aws_errors_word_for_word(laminar):
    events = events_client(laminar.url)
    assert error_of(events.put_rule, Name="bad") == (
        400,
        "ValidationException",
        "Parameter(s) EventPattern or ScheduleExpression must be specified.",
    )
    assert error_of(events.put_rule, Name="bad", EventPattern='{"detail": {}}') == (
        400,
        "InvalidEventPatternException",
        "Event pattern is not valid. Reason: Empty objects are not allowed",
    )
    assert error_of(
        events.put_rule, Name="bad", EventPattern='{"detail": {"slug": "x"}}'
    )[2] == 'Event pattern is not valid. Reason: "slug" must be an object or an array'
    assert error_of(events.put_rule, Name="bad", ScheduleExpression="rate(1 minutes)") == (
        400,
        "ValidationException",
        "Parameter ScheduleExpression is not valid.",
    )
    events.create_event_bus(Name="sched-bus")
    assert error_of(
        events.put_rule, Name="bad", ScheduleExpression="rate(5 minutes)", EventBusName="sched-bus"
    ) == (
        400,
        "ValidationException",
        "ScheduleExpression is supported only on the default event bus.",
    )
    assert error_of(events.put_rule, Name="bad", EventPattern='{"source": ["x"]}', EventBusName="no-bus") == (
        400,
        "ResourceNotFoundException",
        "Event bus no-bus does not exist.",
    )
    arn = events.put_rule(Name="on-bus", EventPattern='{"source": ["x"]}', EventBusName="sched-bus")
    assert arn["RuleArn"] == rule_arn("on-bus", "sched-bus")
    assert error_of(events.describe_rule, Name="on-bus")[2] == (
        "Rule on-bus does not exist on EventBus default."
    )
    events.put_rule(Name="t", EventPattern='{"source": ["x"]}')
    both = {"Id": "x", "Arn": function_arn("f"), "Input": "{}", "InputPath": "$.detail"}
    assert error_of(events.put_targets, Rule="t", Targets=[both])[1] == "ValidationException"


def test_put_events_answers_per_entry(laminar):
    events = events_client(laminar.url)
    answer = events.put_events(
        Entries=[
            {"Source": "shop", "DetailType": "Order", "Detail": '{"n": 1}'},
            {"Source": "shop", "DetailType": "Order"},
            {"Source": "shop", "DetailType": "Order", "Detail": "not json"},
            {"DetailType": "Order", "Detail": "{}"},
            {"Source": "shop", "DetailType": "Order", "Detail": "{}", "EventBusName": "ghost"},
        ]
    )
    entries = answer["Entries"]
    assert answer["FailedEntryCount"] == 4
    assert UUID.match(entries[0]["EventId"])
    assert entries[1:] == [
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Detail is not valid. Reason: Detail is a required argument.",
        },
        {"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."},
        {
            "ErrorCode": "InvalidArgument",
            "ErrorMessage": "Parameter Source is not valid. Reason: Source is a required argument.",
        },
        {"ErrorCode": "ResourceNotFoundException", "ErrorMessage": "Event bus ghost does not exist."},
    ]


# (pattern, matches EC2_EVENT?) — the operators of AWS's event pattern docs.
PATTERNS = [
    ({"source": ["aws.ec2"]}, True),
    ({"source": ["aws.s3"]}, False),
    ({"detail": {"state": ["terminated", "stopped"]}}, True),
    ({"detail-type": [{"prefix": "EC2 Instance"}]}, True),
    ({"detail": {"location": [{"prefix": "us-west"}]}}, False),
    ({"detail": {"filename": [{"suffix": ".log"}]}}, True),
    ({"detail": {"filename": [{"suffix": ".png"}]}}, False),
    ({"detail": {"state": [{"prefix": {"equals-ignore-case": "TERM"}}]}}, True),
    ({"detail": {"filename": [{"suffix": {"equals-ignore-case": ".LOG"}}]}}, True),
    ({"detail": {"state": [{"anything-but": "running"}]}}, True),
    ({"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}}, False),
    ({"detail": {"c-count": [{"anything-but": [1, 2, 3]}]}}, True),
    ({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}}, False),
    ({"detail": {"filename": [{"anything-but": {"suffix": ".txt"}}]}}, True),
    ({"detail": {"filename": [{"anything-but": {"wildcard": "/var/log/*.log"}}]}}, False),
    ({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["TERMINATED"]}}]}}, False),
    ({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}}, True),
    ({"detail": {"d-count": [{"numeric": ["<", 10]}]}}, True),
    ({"detail": {"x-limit": [{"numeric": ["=", 301.8]}]}}, True),
    ({"detail": {"x-limit": [{"numeric": [">=", 302]}]}}, False),
    ({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, True),
    ({"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, False),
    ({"detail": {"state": [{"exists": True}]}}, True),
    ({"detail": {"missing": [{"exists": False}]}}, True),
    ({"detail": {"state": [{"exists": False}]}}, False),
    ({"detail": {"state": [{"equals-ignore-case": "TERMINATED"}]}}, True),
    ({"detail": {"filename": [{"wildcard": "/var/*/app.log"}]}}, True),
    ({"detail": {"filename": [{"wildcard": "/usr/*"}]}}, False),
    ({"detail": {"tags": ["web"]}}, True),
    ({"detail": {"c-count": [5]}}, True),
    ({"source": ["aws.ec2"], "$or": [{"detail": {"c-count": [1]}}, {"detail": {"d-count": [3]}}]}, True),
    ({"$or": [{"detail": {"c-count": [1]}}, {"detail": {"d-count": [4]}}]}, False),
]


def test_the_pattern_grammar_through_test_event_pattern(laminar):
    events = events_client(laminar.url)
    event = json.dumps(EC2_EVENT)
    for pattern, expected in PATTERNS:
        got = events.test_event_pattern(EventPattern=json.dumps(pattern), Event=event)["Result"]
        assert got is expected, pattern
    incomplete = json.dumps({"source": "x", "detail": {}})
    assert error_of(events.test_event_pattern, EventPattern='{"source": ["x"]}', Event=incomplete) == (
        400,
        "ValidationException",
        "Parameter Event is not valid.",
    )
    for bad, reason in [
        ('{"a": [{"nope": 1}]}', "Unrecognized match type nope"),
        ('{"a": [{"suffix": ["x"]}]}', "suffix match pattern must be a string"),
        ('{"a": [{"exists": "yes"}]}', "exists match pattern must be either true or false."),
    ]:
        assert error_of(events.test_event_pattern, EventPattern=bad, Event=event) == (
            400,
            "InvalidEventPatternException",
            f"Event pattern is not valid. Reason: {reason}",
        )


def test_a_pattern_rule_delivers_to_a_function_and_queues(laminar, tmp_path):
    events = events_client(laminar.url)
    sqs = sqs_client(laminar.url)
    client = laminar.client()
    rule = events.put_rule(
        Name="orders", EventPattern=json.dumps({"source": ["shop"], "detail": {"total": [{"numeric": [">", 10]}]}})
    )["RuleArn"]
    recorder(client, "eb-orders", tmp_path, rule=rule)
    urls = {k: sqs.create_queue(QueueName=f"eb-{k}")["QueueUrl"] for k in ["whole", "path", "shaped", "constant"]}
    arns = {k: queue_arn(sqs, u) for k, u in urls.items()}
    events.put_targets(
        Rule="orders",
        Targets=[
            {"Id": "fn", "Arn": function_arn("eb-orders")},
            {"Id": "whole", "Arn": arns["whole"]},
            {"Id": "path", "Arn": arns["path"], "InputPath": "$.detail"},
            {
                "Id": "shaped",
                "Arn": arns["shaped"],
                "InputTransformer": {
                    "InputPathsMap": {"id": "$.detail.id", "total": "$.detail.total", "src": "$.source"},
                    "InputTemplate": '{"order": "<id>", "total": <total>, "from": "<src>", "rule": "<aws.events.rule-name>"}',
                },
            },
            {"Id": "constant", "Arn": arns["constant"], "Input": '{"fixed": true}'},
        ],
    )
    when = datetime.datetime(2026, 11, 30, 12, 0, 5, tzinfo=datetime.timezone.utc)
    answer = events.put_events(
        Entries=[
            {"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps({"id": "o-1", "total": 25}),
             "Resources": ["arn:aws:shop:::order/o-1"], "Time": when},
            {"Source": "shop", "DetailType": "Order Placed", "Detail": json.dumps({"id": "o-2", "total": 5})},
            {"Source": "other", "DetailType": "Order Placed", "Detail": json.dumps({"id": "o-3", "total": 50})},
        ]
    )
    assert answer["FailedEntryCount"] == 0
    event_id = answer["Entries"][0]["EventId"]
    expected = {
        "version": "0",
        "id": event_id,
        "detail-type": "Order Placed",
        "source": "shop",
        "account": ACCOUNT,
        "time": "2026-11-30T12:00:05Z",
        "region": REGION,
        "resources": ["arn:aws:shop:::order/o-1"],
        "detail": {"id": "o-1", "total": 25},
    }
    [run] = wait_for(lambda: runs(tmp_path, "eb-orders"), what="the function's event")
    assert run["event"] == expected
    assert [as_json(b) for b in receive_bodies(sqs, urls["whole"], 1)] == [expected]
    assert [as_json(b) for b in receive_bodies(sqs, urls["path"], 1)] == [{"id": "o-1", "total": 25}]
    assert [as_json(b) for b in receive_bodies(sqs, urls["shaped"], 1)] == [
        {"order": "o-1", "total": 25, "from": "shop", "rule": "orders"}
    ]
    assert receive_bodies(sqs, urls["constant"], 1) == ['{"fixed": true}']
    # Only the matching event went anywhere.
    assert len(runs(tmp_path, "eb-orders")) == 1


def test_a_function_without_permission_for_the_rule_is_not_invoked(laminar, tmp_path):
    events = events_client(laminar.url)
    client = laminar.client()
    rule = events.put_rule(Name="unpermitted", EventPattern='{"source": ["nobody"]}')["RuleArn"]
    recorder(client, "eb-unpermitted", tmp_path, rule=rule_arn("another-rule"))
    events.put_targets(Rule="unpermitted", Targets=[{"Id": "f", "Arn": function_arn("eb-unpermitted")}])
    events.put_events(Entries=[{"Source": "nobody", "DetailType": "x", "Detail": "{}"}])
    wait_for(
        lambda: "does not let events.amazonaws.com invoke it" in laminar.log(),
        what="the refusal in the log",
    )
    assert runs(tmp_path, "eb-unpermitted") == []
    assert rule == rule_arn("unpermitted")


def test_async_invocation_records_reach_a_bus_rule_queue(laminar, tmp_path):
    events = events_client(laminar.url)
    sqs = sqs_client(laminar.url)
    client = laminar.client()
    events.create_event_bus(Name="outcomes")
    events.put_rule(
        Name="successes",
        EventBusName="outcomes",
        EventPattern=json.dumps(
            {"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Success"]}
        ),
    )
    url = sqs.create_queue(QueueName="eb-outcomes")["QueueUrl"]
    events.put_targets(
        Rule="successes", EventBusName="outcomes", Targets=[{"Id": "q", "Arn": queue_arn(sqs, url)}]
    )
    recorder(client, "eb-outcomes", tmp_path)
    client.put_function_event_invoke_config(
        FunctionName="eb-outcomes",
        DestinationConfig={"OnSuccess": {"Destination": bus_arn("outcomes")}},
    )
    assert client.invoke(FunctionName="eb-outcomes", InvocationType="Event", Payload=b'{"n": 1}')[
        "StatusCode"
    ] == 202
    [body] = receive_bodies(sqs, url, 1)
    [run] = runs(tmp_path, "eb-outcomes")
    event = json.loads(body)
    assert UUID.match(event.pop("id"))
    event.pop("time")
    record = event.pop("detail")
    record.pop("timestamp")
    assert event == {
        "version": "0",
        "detail-type": "Lambda Function Invocation Result - Success",
        "source": "lambda",
        "account": ACCOUNT,
        "region": REGION,
        "resources": [bus_arn("outcomes"), function_arn("eb-outcomes") + ":$LATEST"],
    }
    assert record == {
        "version": "1.0",
        "requestContext": {
            "requestId": run["request_id"],
            "functionArn": function_arn("eb-outcomes") + ":$LATEST",
            "condition": "Success",
            "approximateInvokeCount": 1,
        },
        "requestPayload": {"n": 1},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": {"ok": True},
    }


def test_put_events_survive_sigkill(laminar_factory, tmp_path):
    data_dir = tmp_path / "state"
    runs_dir = tmp_path / "runs"
    runs_dir.mkdir()
    first = laminar_factory(data_dir=data_dir)
    events = events_client(first.url)
    rule = events.put_rule(Name="durable", EventPattern='{"source": ["durable"]}')["RuleArn"]
    recorder(first.client(), "eb-durable", runs_dir, rule=rule)
    events.put_targets(Rule="durable", Targets=[{"Id": "f", "Arn": function_arn("eb-durable")}])
    total = 30
    for n in range(0, total, 10):
        entries = [
            {"Source": "durable", "DetailType": "n", "Detail": json.dumps({"n": k})}
            for k in range(n, n + 10)
        ]
        assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
    # Killed at once: the deliveries are in the outbox or the async queue.
    assert first.kill() == -signal.SIGKILL
    second = laminar_factory(data_dir=data_dir)
    assert events_client(second.url).describe_rule(Name="durable")["Arn"] == rule

    def seen():
        return {r["event"]["detail"]["n"] for r in runs(runs_dir, "eb-durable")}

    wait_for(lambda: seen() == set(range(total)), timeout=90, what="every accepted event")


def test_a_rule_publishes_to_an_sns_topic(laminar):
    events = events_client(laminar.url)
    sqs = sqs_client(laminar.url)
    sns = boto3.client(
        "sns",
        endpoint_url=laminar.url,
        region_name=REGION,
        aws_access_key_id=AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"total_max_attempts": 1}),
    )
    topic = sns.create_topic(Name="eb-topic")["TopicArn"]
    url = sqs.create_queue(QueueName="eb-topic-queue")["QueueUrl"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn(sqs, url),
        Attributes={"RawMessageDelivery": "true"},
    )
    events.put_rule(Name="to-topic", EventPattern='{"detail-type": [{"prefix": "Alarm"}]}')
    events.put_targets(
        Rule="to-topic",
        Targets=[
            {
                "Id": "t",
                "Arn": topic,
                "InputTransformer": {
                    "InputPathsMap": {"level": "$.detail.level"},
                    "InputTemplate": '"level <level> from <aws.events.rule-arn>"',
                },
            }
        ],
    )
    events.put_events(
        Entries=[{"Source": "mon", "DetailType": "Alarm raised", "Detail": '{"level": "high"}'}]
    )
    assert receive_bodies(sqs, url, 1) == [f'"level high from {rule_arn("to-topic")}"']


def test_the_aws_cli_puts_rules_targets_and_events(laminar, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENV)
    env["AWS_CONFIG_FILE"] = str(tmp_path / "none")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "none")
    env["AWS_PAGER"] = ""

    def aws(*args):
        result = subprocess.run(
            [sys.executable, "-m", "awscli", "events", *args, "--endpoint-url", laminar.url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return result

    put = aws("put-rule", "--name", "from-cli", "--schedule-expression", "cron(0 12 * * ? *)")
    assert put.returncode == 0, put.stderr
    assert json.loads(put.stdout) == {"RuleArn": rule_arn("from-cli")}
    listed = aws("list-rules", "--name-prefix", "from-cli")
    assert json.loads(listed.stdout)["Rules"] == [
        {
            "Name": "from-cli",
            "Arn": rule_arn("from-cli"),
            "ScheduleExpression": "cron(0 12 * * ? *)",
            "State": "ENABLED",
            "EventBusName": "default",
        }
    ]
    sent = aws("put-events", "--entries", json.dumps([{"Source": "cli", "DetailType": "t", "Detail": "{}"}]))
    assert sent.returncode == 0, sent.stderr
    answer = json.loads(sent.stdout)
    assert answer["FailedEntryCount"] == 0 and UUID.match(answer["Entries"][0]["EventId"])
    bad = aws("put-rule", "--name", "bad-cli", "--schedule-expression", "rate(1 minutes)")
    assert bad.returncode != 0
    assert (
        "(ValidationException) when calling the PutRule operation: "
        "Parameter ScheduleExpression is not valid." in bad.stderr
    )
