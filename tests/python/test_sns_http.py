"""SNS http subscriptions against a real laminar and a local http.server:
the confirmation handshake (SubscriptionConfirmation POST, pending until
ConfirmSubscription with its token), notifications POSTed with SNS's
headers, and retries ending in the subscription's dead-letter queue."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from laminar_testing import ACCOUNT, REGION, sqs_client, wait_for
from test_sns import BASE64, TIMESTAMP, queue_arn, receive_all, sns_client

CERT_URL = re.compile(rf"^https://sns\.{REGION}\.amazonaws\.com/SimpleNotificationService-[0-9a-f]{{32}}\.pem$")


class Endpoint:
    """A local HTTP endpoint that records every POST and answers `status`."""

    def __init__(self):
        self.posts: list[dict] = []
        self.status = 200
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                endpoint.posts.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                self.send_response(endpoint.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def of_type(self, kind: str) -> list[dict]:
        return [p for p in self.posts if p["headers"].get("x-amz-sns-message-type") == kind]


@pytest.fixture
def endpoint():
    e = Endpoint()
    yield e
    e.server.shutdown()


def confirmation_of(endpoint: Endpoint) -> dict:
    [post] = wait_for(lambda: endpoint.of_type("SubscriptionConfirmation"), what="the confirmation POST")
    return post


def test_an_http_subscription_confirms_and_receives_notifications(laminar, endpoint):
    sns = sns_client(laminar.url)
    topic = sns.create_topic(Name="http-topic")["TopicArn"]
    answer = sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
    assert answer["SubscriptionArn"] == "pending confirmation"
    [listed] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert listed == {
        "SubscriptionArn": "PendingConfirmation",
        "Owner": ACCOUNT,
        "Protocol": "http",
        "Endpoint": endpoint.url,
        "TopicArn": topic,
    }

    post = confirmation_of(endpoint)
    assert post["path"] == "/hook"
    document = json.loads(post["body"])
    headers = post["headers"]
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert headers["x-amz-sns-message-id"] == document["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == topic
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    token = document.pop("Token")
    assert re.match(r"^[0-9a-f]{256}$", token)
    assert TIMESTAMP.match(document.pop("Timestamp"))
    assert BASE64.match(document.pop("Signature"))
    assert CERT_URL.match(document.pop("SigningCertURL"))
    assert re.match(r"^[0-9a-f-]{36}$", document.pop("MessageId"))
    assert document == {
        "Type": "SubscriptionConfirmation",
        "TopicArn": topic,
        "Message": f"You have chosen to subscribe to the topic {topic}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message.",
        "SubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=ConfirmSubscription&TopicArn={topic}&Token={token}",
        "SignatureVersion": "1",
    }

    # Nothing is delivered before the confirmation.
    sns.publish(TopicArn=topic, Message="too early")
    arn = sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
    assert arn.startswith(topic + ":")
    attributes = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attributes["PendingConfirmation"] == "false"
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]["SubscriptionArn"] == arn
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.confirm_subscription(TopicArn=topic, Token="0" * 256)

    published = sns.publish(TopicArn=topic, Message="hello over http", Subject="Greeting")
    [post] = wait_for(lambda: endpoint.of_type("Notification"), what="the notification POST")
    headers = post["headers"]
    assert (
        headers["x-amz-sns-message-id"],
        headers["x-amz-sns-topic-arn"],
        headers["x-amz-sns-subscription-arn"],
    ) == (published["MessageId"], topic, arn)
    envelope = json.loads(post["body"])
    assert TIMESTAMP.match(envelope.pop("Timestamp"))
    assert BASE64.match(envelope.pop("Signature"))
    assert CERT_URL.match(envelope.pop("SigningCertURL"))
    assert envelope == {
        "Type": "Notification",
        "MessageId": published["MessageId"],
        "TopicArn": topic,
        "Subject": "Greeting",
        "Message": "hello over http",
        "SignatureVersion": "1",
        "UnsubscribeURL": f"https://sns.{REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={arn}",
    }
    assert len(endpoint.of_type("Notification")) == 1


def test_a_failing_endpoint_is_retried_then_dead_lettered(laminar, endpoint):
    sns = sns_client(laminar.url)
    sqs = sqs_client(laminar.url)
    topic = sns.create_topic(Name="http-failing")["TopicArn"]
    dlq_url = sqs.create_queue(QueueName="http-failing-dlq")["QueueUrl"]
    arn = sns.subscribe(
        TopicArn=topic,
        Protocol="http",
        Endpoint=endpoint.url,
        Attributes={
            "RawMessageDelivery": "true",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(sqs, dlq_url)}),
        },
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    assert sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]["PendingConfirmation"] == "true"
    token = json.loads(confirmation_of(endpoint)["body"])["Token"]
    assert sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"] == arn

    endpoint.status = 500
    sns.publish(TopicArn=topic, Message="never accepted")
    [message] = receive_all(sqs, dlq_url, 1)
    assert message["Body"] == "never accepted"
    # The first attempt and three retries, each with the raw message.
    notifications = endpoint.of_type("Notification")
    assert [p["body"] for p in notifications] == ["never accepted"] * 4
    assert notifications[0]["headers"]["x-amz-sns-rawdelivery"] == "true"


class TlsEndpoint(Endpoint):
    """The same endpoint over https, with a certificate for 127.0.0.1 that
    the given CA signed."""

    def __init__(self, folder, ca: tuple[str, str], name: str):
        import ssl
        import subprocess

        super().__init__()
        key, csr, cert = (str(folder / f"{name}.{ext}") for ext in ("key", "csr", "pem"))
        subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", csr, "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)
        extensions = folder / f"{name}.ext"
        extensions.write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1],
                        "-CAcreateserial", "-out", cert, "-days", "1", "-extfile", str(extensions)],
                       check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = self.url.replace("http://", "https://")


def certificate_authority(folder, name: str) -> tuple[str, str]:
    import subprocess

    cert, key = str(folder / f"{name}-ca.pem"), str(folder / f"{name}-ca.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", f"/CN={name} test CA"],
                   check=True, capture_output=True)
    return cert, key


def test_https_endpoints_are_posted_to_over_tls_only_when_their_certificate_is_trusted(
    laminar_factory, tmp_path, monkeypatch
):
    trusted_ca = certificate_authority(tmp_path, "trusted")
    untrusted_ca = certificate_authority(tmp_path, "untrusted")
    trusted = TlsEndpoint(tmp_path, trusted_ca, "trusted")
    untrusted = TlsEndpoint(tmp_path, untrusted_ca, "untrusted")
    try:
        # The machine's trust store, as rustls-native-certs reads it: only the trusted CA.
        monkeypatch.setenv("SSL_CERT_FILE", trusted_ca[0])
        server = laminar_factory()
        sns = sns_client(server.url)
        topic = sns.create_topic(Name="https-topic")["TopicArn"]
        for endpoint in (untrusted, trusted):
            sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=endpoint.url)
        post = confirmation_of(trusted)
        assert json.loads(post["body"])["Type"] == "SubscriptionConfirmation"
        sns.confirm_subscription(TopicArn=topic, Token=json.loads(post["body"])["Token"])
        sns.publish(TopicArn=topic, Message="over tls")
        [note] = wait_for(lambda: trusted.of_type("Notification"), what="the notification")
        assert json.loads(note["body"])["Message"] == "over tls"
        # The other endpoint's certificate is not trusted: the handshake fails, nothing arrives.
        assert untrusted.posts == []
    finally:
        trusted.server.shutdown()
        untrusted.server.shutdown()
