"""The introspection API under /_laminar/api against a real laminar: the
invocations recorded are exactly those made (request ids from the invoke
answers, cold then warm, durations, errors, event, response and logs), warm
environments and evicting them (the next invocation starts cold), the live
stream, functions and their series, queues and asynchronous events, the
bound (--history) and surviving a restart (--data-dir)."""

from __future__ import annotations

import json
import time

from introspection_testing import HANDLER, Stream, api, billed, invoke
from laminar_testing import create_python_function, service_client, sqs_client, wait_for


def test_the_invocations_listed_are_exactly_those_made(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    made = [invoke(lambda_, function_name, {"n": n}) for n in range(3)]
    failed_id, failed_body = invoke(lambda_, function_name, {"fail": True})
    assert failed_body["errorType"] == "ValueError"

    status, page = api(laminar.url, f"/invocations?function={function_name}")
    assert status == 200
    assert page["total"] == 4
    assert page["nextBefore"] is None
    listed = page["invocations"]
    # Newest first.
    assert [i["requestId"] for i in listed] == [failed_id] + [rid for rid, _ in reversed(made)]
    assert [i["cold"] for i in listed] == [False, False, False, True]
    assert listed[-1]["initDurationMs"] > 0
    assert all(i["initDurationMs"] is None for i in listed[:-1])
    for inv in listed:
        assert inv["function"] == function_name
        assert inv["version"] == "$LATEST"
        assert inv["qualifier"] is None
        assert inv["memoryMb"] == 128
        assert inv["billedDurationMs"] == billed(inv["durationMs"])
        assert inv["logGroup"] == f"/aws/lambda/{function_name}"
        assert "event" not in inv  # listings leave the bodies out
    assert [i["status"] for i in listed] == ["Error", "Success", "Success", "Success"]
    assert listed[0]["errorType"] == "ValueError"
    assert all(i["errorType"] is None for i in listed[1:])

    # One invocation in full: what was sent, what came back, its log.
    rid, body = made[1]
    status, detail = api(laminar.url, f"/invocations/{rid}")
    assert status == 200
    (run,) = detail["runs"]
    assert json.loads(run["event"]) == {"n": 1}
    assert run["eventSize"] == len(json.dumps({"n": 1}))
    assert json.loads(run["response"]) == body
    assert run["logs"].startswith(f"START RequestId: {rid} Version: $LATEST\n")
    assert 'handling {"n": 1}' in run["logs"]
    assert f"REPORT RequestId: {rid}\tDuration: " in run["logs"]


def test_paging_and_since(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    ids = [invoke(lambda_, function_name, {"n": n})[0] for n in range(5)]
    _, first = api(laminar.url, f"/invocations?function={function_name}&limit=2")
    _, second = api(laminar.url, f"/invocations?function={function_name}&limit=2&before={first['nextBefore']}")
    _, third = api(laminar.url, f"/invocations?function={function_name}&limit=2&before={second['nextBefore']}")
    pages = [first, second, third]
    assert [p["total"] for p in pages] == [5, 5, 5]
    assert [i["requestId"] for p in pages for i in p["invocations"]] == list(reversed(ids))
    assert third["nextBefore"] is None
    newest = first["invocations"][0]
    _, since = api(laminar.url, f"/invocations?function={function_name}&since={newest['timeMs']}")
    assert newest["requestId"] in [i["requestId"] for i in since["invocations"]]
    _, after = api(laminar.url, f"/invocations?function={function_name}&after={newest['id']}")
    assert after == {"invocations": [], "total": 0, "nextBefore": None}


def test_an_unknown_request_id_and_path_are_not_found(laminar):
    status, body = api(laminar.url, "/invocations/no-such-request")
    assert (status, body) == (404, {"Type": "User", "Message": "No invocation with request id no-such-request"})
    status, body = api(laminar.url, "/nothing-here")
    assert (status, body) == (404, {"Type": "User", "Message": "No laminar resource at /_laminar/api/nothing-here"})
    status, body = api(laminar.url, "/invocations?limit=many")
    assert status == 400 and body["Type"] == "User" and body["message"].startswith("invalid query: ")


def test_environments_and_eviction_force_a_cold_start(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER, MemorySize=256)
    for n in range(3):
        invoke(lambda_, function_name, {"n": n})
    _, listed = api(laminar.url, f"/environments?function={function_name}")
    (env,) = listed["environments"]
    assert env["function"] == function_name
    assert env["executor"] == "process"
    assert env["id"].isdigit()  # the runtime's process id
    assert env["invocations"] == 3
    assert env["memoryMb"] == 256
    assert env["version"] == "$LATEST"
    assert env["provisioned"] is False
    assert env["state"] == "idle"
    assert env["ageMs"] >= 0

    status, evicted = api(laminar.url, f"/functions/{function_name}/evict", method="POST")
    assert (status, evicted) == (200, {"evicted": 1})
    assert api(laminar.url, f"/environments?function={function_name}")[1] == {"environments": []}
    status, body = api(laminar.url, "/functions/no-such-function-here/evict", method="POST")
    assert status == 404 and body["Message"].startswith("Function not found")

    rid, _ = invoke(lambda_, function_name, {"after": "evict"})
    _, page = api(laminar.url, f"/invocations?function={function_name}&limit=1")
    assert page["invocations"][0]["requestId"] == rid
    assert page["invocations"][0]["cold"] is True

    # One environment by its id.
    _, listed = api(laminar.url, f"/environments?function={function_name}")
    (env,) = listed["environments"]
    assert api(laminar.url, f"/environments/{env['id']}/evict", method="POST") == (200, {"evicted": 1})
    status, body = api(laminar.url, f"/environments/{env['id']}/evict", method="POST")
    assert (status, body) == (404, {"Type": "User", "Message": f"No idle environment {env['id']}"})


def test_the_live_stream_carries_each_invocation(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    stream = Stream(laminar.url, function_name)
    try:
        time.sleep(0.3)  # the subscription is made when the stream opens
        rid, _ = invoke(lambda_, function_name, {"live": 1})
        event = wait_for(lambda: next((e for e in stream.events if e["requestId"] == rid), None), what="the stream's event")
        assert event["function"] == function_name
        assert json.loads(event["event"]) == {"live": 1}
        assert f"END RequestId: {rid}" in event["logs"]
        assert event["cold"] is True
    finally:
        stream.close()


def test_event_invocations_are_recorded(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    answer = lambda_.invoke(FunctionName=function_name, InvocationType="Event", Payload=b'{"async": true}')
    rid = answer["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

    def recorded():
        status, detail = api(laminar.url, f"/invocations/{rid}")
        return detail if status == 200 else None

    detail = wait_for(recorded, what="the asynchronous run")
    assert json.loads(detail["runs"][0]["event"]) == {"async": True}


def test_functions_and_their_series(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    lambda_.publish_version(FunctionName=function_name)
    lambda_.create_alias(FunctionName=function_name, Name="live", FunctionVersion="1")
    invoke(lambda_, function_name, {})
    invoke(lambda_, function_name, {"fail": True})

    _, detail = api(laminar.url, f"/functions/{function_name}")
    assert detail["Function"]["Configuration"]["FunctionName"] == function_name
    assert [v["Version"] for v in detail["Versions"]] == ["$LATEST", "1"]
    assert [a["Name"] for a in detail["Aliases"]] == ["live"]
    assert detail["FunctionUrlConfigs"] == [] and detail["EventSourceMappings"] == []
    assert len(detail["Environments"]) == 1

    def listed():
        marker, found = None, None
        while True:
            _, page = api(laminar.url, "/functions" + (f"?marker={marker}" if marker else ""))
            found = next((f for f in page["Functions"] if f["FunctionName"] == function_name), found)
            marker = page.get("NextMarker")
            if not marker:
                return found

    summary = listed()
    assert summary["WarmEnvironments"] == 1 and summary["Runtime"] == "python3.12"

    _, metrics = api(laminar.url, f"/functions/{function_name}/metrics?minutes=10")
    series = metrics["series"]
    assert sum(p["Sum"] for p in series["Invocations"]) == 2
    assert sum(p["Sum"] for p in series["Errors"]) == 1
    assert all({"p50", "p90", "p99", "Average"} <= p.keys() for p in series["Duration"])
    status, body = api(laminar.url, "/functions/no-such-function-here")
    assert status == 404 and body["Message"].startswith("Function not found")


def test_queues_and_queued_async_events(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    # A failed Event invocation waits for its retry (a minute away).
    lambda_.invoke(FunctionName=function_name, InvocationType="Event", Payload=b'{"fail": true}')
    sqs = sqs_client(laminar.url)
    queue = sqs.create_queue(QueueName=function_name)["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="one")
    sqs.send_message(QueueUrl=queue, MessageBody="two")

    def retrying():
        _, sources = api(laminar.url, "/sources")
        mine = [a for a in sources["AsyncEvents"] if a["FunctionName"] == function_name]
        return sources if mine and mine[0]["Retrying"] == 1 else None

    sources = wait_for(retrying, what="the event waiting for its retry")
    (q,) = [q for q in sources["Queues"] if q["QueueName"] == function_name]
    assert q["Backlog"] == {
        "ApproximateNumberOfMessages": 2,
        "ApproximateNumberOfMessagesNotVisible": 0,
        "ApproximateNumberOfMessagesDelayed": 0,
    }
    (pending,) = [a for a in sources["AsyncEvents"] if a["FunctionName"] == function_name]
    assert pending["Pending"] == 1
    assert pending["OldestReceivedMs"] <= time.time() * 1000


def test_a_stream_mapping_shows_the_records_behind_it(laminar, lambda_, function_name):
    # A function that always fails blocks its shard: the records stay behind
    # the mapping's position and grow older.
    create_python_function(lambda_, function_name, "def handler(event, context):\n    raise ValueError('no')\n")
    kinesis = service_client("kinesis", laminar.url)
    kinesis.create_stream(StreamName=function_name, ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName=function_name)["StreamDescriptionSummary"]["StreamARN"]
    put_ms = time.time() * 1000
    for n in range(3):
        kinesis.put_record(StreamName=function_name, Data=json.dumps({"n": n}).encode(), PartitionKey="k")
    uuid = lambda_.create_event_source_mapping(
        FunctionName=function_name,
        EventSourceArn=arn,
        StartingPosition="TRIM_HORIZON",
        BatchSize=1,
        MaximumRetryAttempts=-1,
    )["UUID"]

    def failed_once():
        _, page = api(laminar.url, f"/invocations?function={function_name}&limit=1")
        return page["invocations"] or None

    wait_for(failed_once, what="the mapping's first (failing) batch")
    _, sources = api(laminar.url, "/sources")
    (mapping,) = [m for m in sources["EventSourceMappings"] if m["UUID"] == uuid]
    backlog = mapping["Backlog"]
    assert backlog["RecordsBehind"] == 3
    assert time.time() * 1000 - put_ms + 1000 >= backlog["IteratorAgeMs"] > 0
    # Once the mapping gives up on each record, nothing is behind it.
    lambda_.update_event_source_mapping(UUID=uuid, MaximumRetryAttempts=0)

    def drained():
        _, sources = api(laminar.url, "/sources")
        (mapping,) = [m for m in sources["EventSourceMappings"] if m["UUID"] == uuid]
        return mapping["Backlog"] if mapping["Backlog"]["RecordsBehind"] == 0 else None

    assert wait_for(drained, what="the backlog drained") == {"RecordsBehind": 0, "IteratorAgeMs": 0}


def test_a_dynamodb_stream_mapping_shows_the_records_behind_it(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, "def handler(event, context):\n    raise ValueError('no')\n")
    ddb = service_client("dynamodb", laminar.url)
    arn = ddb.create_table(
        TableName=function_name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]["LatestStreamArn"]
    for n in range(4):
        ddb.put_item(TableName=function_name, Item={"pk": {"S": str(n)}})
    uuid = lambda_.create_event_source_mapping(
        FunctionName=function_name, EventSourceArn=arn, StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=-1
    )["UUID"]
    wait_for(
        lambda: api(laminar.url, f"/invocations?function={function_name}&limit=1")[1]["invocations"],
        what="the mapping's first (failing) batch",
    )
    _, sources = api(laminar.url, "/sources")
    (mapping,) = [m for m in sources["EventSourceMappings"] if m["UUID"] == uuid]
    assert mapping["Backlog"]["RecordsBehind"] == 4
    assert mapping["Backlog"]["IteratorAgeMs"] > 0


def test_failed_async_events_are_listed_with_where_they_went(laminar, lambda_, function_name):
    create_python_function(lambda_, function_name, HANDLER)
    lambda_.put_function_event_invoke_config(FunctionName=function_name, MaximumRetryAttempts=0)
    dropped = lambda_.invoke(FunctionName=function_name, InvocationType="Event", Payload=b'{"fail": true}')
    dropped_id = dropped["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]

    def failed(count):
        def listed():
            _, sources = api(laminar.url, "/sources")
            mine = [f for f in sources["FailedAsyncEvents"] if f["FunctionName"] == function_name]
            return mine if len(mine) == count else None

        return listed

    (first,) = wait_for(failed(1), what="the dropped event")
    assert first["RequestId"] == dropped_id
    assert first["ReceivedMs"] <= first["FailedMs"] <= time.time() * 1000
    del first["ReceivedMs"], first["FailedMs"]
    assert first == {
        "RequestId": dropped_id,
        "FunctionName": function_name,
        "Qualifier": None,
        "Attempts": 1,
        "Condition": "RetriesExhausted",
        "Error": {"errorMessage": "asked to fail", "errorType": "ValueError", "requestId": dropped_id, "stackTrace": first["Error"]["stackTrace"]},
        "Destinations": [],
    }
    # With an OnFailure destination the next one goes there.
    sqs = sqs_client(laminar.url)
    queue = sqs.create_queue(QueueName=function_name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lambda_.update_function_event_invoke_config(
        FunctionName=function_name, DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )
    sent = lambda_.invoke(FunctionName=function_name, InvocationType="Event", Payload=b'{"fail": true}')
    sent_id = sent["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
    newest, older = wait_for(failed(2), what="the event sent to its destination")
    assert (newest["RequestId"], older["RequestId"]) == (sent_id, dropped_id)
    assert newest["Destinations"] == [{"Kind": "OnFailure", "Arn": queue_arn, "Delivered": True}]


def test_history_is_bounded_and_survives_a_restart(laminar_factory, tmp_path, function_name):
    data = tmp_path / "data"
    server = laminar_factory(data_dir=data, extra_args=["--history", "3"])
    client = server.client()
    create_python_function(client, function_name, HANDLER)
    ids = [invoke(client, function_name, {"n": n})[0] for n in range(5)]
    _, page = api(server.url, f"/invocations?function={function_name}")
    assert page["total"] == 3
    assert [i["requestId"] for i in page["invocations"]] == list(reversed(ids[2:]))
    server.stop()

    again = laminar_factory(data_dir=data, extra_args=["--history", "3"])
    _, after = api(again.url, f"/invocations?function={function_name}")
    assert after == page


def test_failed_async_events_survive_a_restart(laminar_factory, tmp_path, function_name):
    data = tmp_path / "data"
    server = laminar_factory(data_dir=data)
    client = server.client()
    create_python_function(client, function_name, HANDLER)
    client.put_function_event_invoke_config(FunctionName=function_name, MaximumRetryAttempts=0)
    client.invoke(FunctionName=function_name, InvocationType="Event", Payload=b'{"fail": true}')

    def listed(url):
        def mine():
            _, sources = api(url, "/sources")
            return [f for f in sources["FailedAsyncEvents"] if f["FunctionName"] == function_name] or None

        return mine

    before = wait_for(listed(server.url), what="the failed event")
    server.stop()
    again = laminar_factory(data_dir=data)
    assert listed(again.url)() == before
