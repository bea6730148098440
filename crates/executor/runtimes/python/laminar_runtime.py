#!/usr/bin/env python3
"""laminar Python runtime interface client.

A small, dependency-free (standard library only) client for the AWS Lambda
Runtime API. laminar starts it as the runtime process of an execution
environment:

    python3 laminar_runtime.py [HANDLER]

Environment:
    AWS_LAMBDA_RUNTIME_API   host:port of the Runtime API (required)
    _HANDLER                 "module.function" or "path/to/module.function"
                             (required unless HANDLER is given on the command line)
    LAMBDA_TASK_ROOT         directory holding the function code (default: cwd)
    AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME,
    AWS_LAMBDA_LOG_STREAM_NAME  exposed through the context object
    AWS_LAMBDA_LOG_LEVEL     optional level of the root logger (default WARNING)
"""

# Only modules that are cheap to import: every import here is paid by every
# cold start. http.client, logging, decimal and traceback each cost tens of
# milliseconds; the client speaks HTTP/1.1 itself, and the others are
# imported when (and if) they are needed.
import importlib
import json
import os
import socket
import sys
import time

API_VERSION = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
THIS_FILE = os.path.abspath(__file__)

# Request id of the invocation being handled; read by the logging filter.
_current_request_id = ""
_current_tenant_id = None


# --------------------------------------------------------------------------
# Runtime API client
# --------------------------------------------------------------------------

class ProtocolError(Exception):
    """The Runtime API answered something that is not HTTP/1.1 as expected."""


# A closed keep-alive connection shows as one of these; the request is sent
# once more on a new connection.
_RETRYABLE = (ConnectionError, ProtocolError)


class Headers(dict):
    """Response headers by lower-case name; `get` ignores case."""

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


class RuntimeApiClient:
    """Keep-alive HTTP/1.1 connection to the Runtime API, reconnecting once on reset."""

    def __init__(self, address):
        host, sep, port = address.rpartition(":")
        if not sep:
            host, port = address, "80"
        self.host_header = address
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        self.host = host
        self.port = int(port)
        self.sock = None
        self.reader = None

    def _connect(self):
        sock = socket.create_connection((self.host, self.port))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.sock = sock
        self.reader = sock.makefile("rb")

    def _drop(self):
        for closable in (self.reader, self.sock):
            if closable is not None:
                try:
                    closable.close()
                except Exception:
                    pass
        self.sock = None
        self.reader = None

    def _read_response(self):
        """Returns (status, headers, body, the server closes the connection)."""
        reader = self.reader
        status_line = reader.readline(65537)
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise ProtocolError("bad status line %r" % status_line[:100])
        status = int(parts[1])
        headers = Headers()
        while True:
            line = reader.readline(65537)
            if line in (b"\r\n", b"\n"):
                break
            if not line:
                raise ProtocolError("connection closed in the headers")
            name, sep, value = line.decode("latin-1").partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        close = headers.get("connection", "").lower() == "close" or parts[0] == b"HTTP/1.0"
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        elif headers.get("content-length") is not None:
            length = int(headers.get("content-length"))
            body = reader.read(length)
            if len(body) != length:
                raise ProtocolError("connection closed in the body")
        else:
            body = reader.read()
            close = True
        return status, headers, body, close

    def _read_chunked(self):
        chunks = []
        while True:
            size_line = self.reader.readline(65537)
            if not size_line:
                raise ProtocolError("connection closed in a chunked body")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.reader.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.reader.read(size))
            self.reader.readline(65537)

    def request(self, method, path, body=None, headers=None):
        """Returns (status, headers, body bytes)."""
        lines = ["%s %s HTTP/1.1" % (method, path), "Host: " + self.host_header]
        for name, value in (headers or {}).items():
            lines.append("%s: %s" % (name, value))
        if body is not None or method == "POST":
            lines.append("Content-Length: %d" % len(body or b""))
        message = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect()
                self.sock.sendall(message)
                status, response_headers, data, close = self._read_response()
                if close:
                    self._drop()
                return status, response_headers, data
            except _RETRYABLE:
                self._drop()
                if attempt:
                    raise

    def next_invocation(self):
        status, headers, body = self.request("GET", API_VERSION + "/invocation/next")
        if status != 200:
            raise RuntimeError(
                "unexpected status %d from /invocation/next: %r" % (status, body[:200])
            )
        return headers, body

    def post_response(self, request_id, payload):
        return self.request(
            "POST",
            "%s/invocation/%s/response" % (API_VERSION, request_id),
            body=payload,
            headers={"Content-Type": "application/json"},
        )

    def post_error(self, request_id, error, header_type):
        return self.request(
            "POST",
            "%s/invocation/%s/error" % (API_VERSION, request_id),
            body=json.dumps(error).encode("utf-8"),
            headers={"Content-Type": "application/json", ERROR_TYPE_HEADER: header_type},
        )

    def post_init_error(self, error):
        return self.request(
            "POST",
            API_VERSION + "/init/error",
            body=json.dumps(error).encode("utf-8"),
            headers={"Content-Type": "application/json", ERROR_TYPE_HEADER: error["errorType"]},
        )


# --------------------------------------------------------------------------
# Context object
# --------------------------------------------------------------------------


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")

    def __init__(self, data=None):
        data = data if isinstance(data, dict) else {}
        self.cognito_identity_id = data.get("cognitoIdentityId")
        self.cognito_identity_pool_id = data.get("cognitoIdentityPoolId")

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client:
    __slots__ = (
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    )

    def __init__(self, data):
        for name in self.__slots__:
            setattr(self, name, data.get(name))

    def __repr__(self):
        return "Client([%s])" % ",".join(
            "%s=%s" % (name, getattr(self, name)) for name in self.__slots__
        )


class ClientContext:
    __slots__ = ("client", "custom", "env")

    def __init__(self, data):
        client = data.get("client")
        self.client = Client(client) if isinstance(client, dict) else None
        self.custom = data.get("custom")
        self.env = data.get("env")

    def __repr__(self):
        return "ClientContext([client=%s,custom=%s,env=%s])" % (
            self.client,
            self.custom,
            self.env,
        )


def _parse_json_header(value):
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


class LambdaContext:
    def __init__(self, request_id, deadline_ms, function_arn, client_context, identity, tenant_id=None):
        env = os.environ
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        # Tenant isolation mode: the tenant the invoke named (None otherwise).
        self.tenant_id = tenant_id
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self._deadline_ms = deadline_ms

        parsed_identity = _parse_json_header(identity)
        self.identity = CognitoIdentity(parsed_identity)

        parsed_cc = _parse_json_header(client_context)
        self.client_context = ClientContext(parsed_cc) if isinstance(parsed_cc, dict) else None

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,"
            "function_name=%s,memory_limit_in_mb=%s,function_version=%s,"
            "invoked_function_arn=%s,client_context=%s,identity=%s,tenant_id=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
                self.tenant_id,
            )
        )


# --------------------------------------------------------------------------
# Output, logging and errors
# --------------------------------------------------------------------------


def _flush_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _setup_output():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)
        except Exception:
            pass


def _setup_logging(logging):
    """The root logger as Lambda configures it: records on stdout, tagged with
    the request id, at AWS_LAMBDA_LOG_LEVEL (default WARNING)."""

    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = _current_request_id
            record.tenant_id = _current_tenant_id
            return True

    class StdoutHandler(logging.Handler):
        """Writes to whatever sys.stdout currently is and flushes every record."""

        def emit(self, record):
            try:
                msg = self.format(record)
                sys.stdout.write(msg + "\n")
                sys.stdout.flush()
            except Exception:
                self.handleError(record)

    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        formatter = _json_formatter(logging)
    handler = StdoutHandler()
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").strip().upper()
    if level == "TRACE":
        level = "DEBUG"
    elif level == "FATAL":
        level = "CRITICAL"
    root.setLevel(level if level and isinstance(logging.getLevelName(level), int) else logging.WARNING)


def _json_formatter(logging):
    """LoggingConfig.LogFormat=JSON: each record one JSON object, with the
    fields the official client (awslambdaric) writes."""
    import json

    class JsonFormatter(logging.Formatter):
        def format(self, record):
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            document = {
                "timestamp": "%s.%03dZ" % (stamp, record.msecs),
                "level": record.levelname,
                "message": record.getMessage(),
                "logger": record.name,
                "requestId": record.aws_request_id,
            }
            if getattr(record, "tenant_id", None) is not None:
                document["tenantId"] = record.tenant_id
            if record.exc_info and record.exc_info[1] is not None:
                import traceback

                kind, value, tb = record.exc_info
                document["errorType"] = kind.__name__
                document["errorMessage"] = str(value)
                document["stackTrace"] = traceback.format_tb(tb)
            return json.dumps(document, default=str)

    return JsonFormatter()


class _AfterExec:
    """A module loader that runs `then(module)` once the module has run."""

    def __init__(self, loader, then):
        self.loader = loader
        self.then = then

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        self.loader.exec_module(module)
        self.then(module)


class _ConfigureLoggingOnImport:
    """Sets up logging the first time anything imports it: most functions
    never do, and importing it up front would slow every cold start."""

    def find_spec(self, name, path=None, target=None):
        if name != "logging":
            return None
        sys.meta_path.remove(self)
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find else None
            if spec is not None and spec.loader is not None:
                spec.loader = _AfterExec(spec.loader, _setup_logging)
                return spec
        return None


def _install_logging():
    if "logging" in sys.modules:
        _setup_logging(sys.modules["logging"])
    else:
        sys.meta_path.insert(0, _ConfigureLoggingOnImport())


_IMPORTLIB_FILE = os.path.abspath(importlib.__file__)


def _is_runtime_frame(frame):
    name = frame.filename
    if name.startswith("<frozen importlib"):
        return True
    return os.path.abspath(name) in (THIS_FILE, _IMPORTLIB_FILE)


def _frames(tb):
    """traceback.format_list of the traceback, without the leading frames that
    belong to this runtime or to the import machinery."""
    import traceback

    frames = traceback.extract_tb(tb)
    start = 0
    while start < len(frames) and _is_runtime_frame(frames[start]):
        start += 1
    return traceback.format_list(frames[start:])


def _syntax_error_frames(exc):
    text = (exc.text or "").rstrip("\n")
    return ['  File "%s" Line %s\n        %s\n' % (exc.filename, exc.lineno, text.strip())]


def _error_body(error_type, message, stack, request_id=""):
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": request_id,
        "stackTrace": stack,
    }


def _log_error(body):
    lines = ["[ERROR] %s: %s" % (body["errorType"], body["errorMessage"])]
    if body["stackTrace"]:
        lines.append("Traceback (most recent call last):")
        lines.append("".join(body["stackTrace"]).rstrip("\n"))
    try:
        sys.stderr.write("\n".join(lines) + "\n")
    except Exception:
        pass
    _flush_output()


def _json_default(obj):
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(obj, decimal.Decimal):
        if obj == obj.to_integral_value() and obj.is_finite():
            return int(obj)
        return float(obj)
    raise TypeError("Object of type %s is not JSON serializable" % type(obj).__name__)


# --------------------------------------------------------------------------
# Handler loading
# --------------------------------------------------------------------------


class InitError(Exception):
    def __init__(self, body):
        super().__init__(body["errorMessage"])
        self.body = body


def load_handler(handler_spec, task_root):
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    try:
        module_path, func_name = handler_spec.rsplit(".", 1)
        if not module_path or not func_name:
            raise ValueError("empty module or function name")
    except ValueError as exc:
        raise InitError(
            _error_body(
                "Runtime.MalformedHandlerName",
                "Bad handler '%s': %s" % (handler_spec, exc),
                [],
            )
        )
    module_name = module_path.strip("/").replace("/", ".")

    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InitError(
            _error_body(
                "Runtime.ImportModuleError",
                "Unable to import module '%s': %s" % (module_name, exc),
                [],
            )
        )
    except SyntaxError as exc:
        raise InitError(
            _error_body(
                "Runtime.UserCodeSyntaxError",
                "Syntax error in module '%s': %s" % (module_name, exc),
                _syntax_error_frames(exc),
            )
        )
    except Exception as exc:
        raise InitError(
            _error_body(type(exc).__name__, str(exc), _frames(exc.__traceback__))
        )

    func = getattr(module, func_name, None)
    if func is None:
        raise InitError(
            _error_body(
                "Runtime.HandlerNotFound",
                "Handler '%s' missing on module '%s'" % (func_name, module_name),
                [],
            )
        )
    if not callable(func):
        raise InitError(
            _error_body(
                "Runtime.HandlerNotFound",
                "Handler '%s' on module '%s' is not callable" % (func_name, module_name),
                [],
            )
        )
    return func


# --------------------------------------------------------------------------
# Invocation loop
# --------------------------------------------------------------------------


def handle_one(client, handler):
    global _current_request_id, _current_tenant_id

    headers, body = client.next_invocation()
    request_id = headers.get("Lambda-Runtime-Aws-Request-Id", "")
    _current_request_id = request_id
    _current_tenant_id = headers.get("Lambda-Runtime-Aws-Tenant-Id")

    trace_id = headers.get("Lambda-Runtime-Trace-Id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    try:
        deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
    except ValueError:
        deadline_ms = 0
    context = LambdaContext(
        request_id,
        deadline_ms,
        headers.get("Lambda-Runtime-Invoked-Function-Arn"),
        headers.get("Lambda-Runtime-Client-Context"),
        headers.get("Lambda-Runtime-Cognito-Identity"),
        _current_tenant_id,
    )

    try:
        event = json.loads(body) if body else None
    except (ValueError, RecursionError) as exc:
        # A valid but deeply nested event overflows the decoder: reported as
        # awslambdaric reports it (its simplejson says "from a string"), and
        # the environment lives on.
        reason = str(exc).replace("from a unicode string", "from a string")
        err = _error_body(
            "Runtime.UnmarshalError",
            "Unable to unmarshal input: %s" % reason,
            [],
            request_id,
        )
        _log_error(err)
        client.post_error(request_id, err, "Runtime.UnmarshalError")
        return

    try:
        result = handler(event, context)
    except Exception as exc:
        err = _error_body(type(exc).__name__, str(exc), _frames(exc.__traceback__), request_id)
        _log_error(err)
        client.post_error(request_id, err, "Runtime.UnhandledError")
        return

    try:
        payload = json.dumps(result, default=_json_default).encode("utf-8")
    except Exception as exc:
        err = _error_body(
            "Runtime.MarshalError",
            "Unable to marshal response: %s" % exc,
            [],
            request_id,
        )
        _log_error(err)
        client.post_error(request_id, err, "Runtime.MarshalError")
        return

    _flush_output()
    client.post_response(request_id, payload)


def main(argv):
    _setup_output()

    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("laminar_runtime: AWS_LAMBDA_RUNTIME_API is not set\n")
        return 1
    client = RuntimeApiClient(address)

    handler_spec = argv[1] if len(argv) > 1 else os.environ.get("_HANDLER", "")
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()

    _install_logging()

    try:
        handler = load_handler(handler_spec, task_root)
    except InitError as exc:
        err = exc.body
        _log_error(err)
        try:
            client.post_init_error(err)
        except Exception as post_exc:
            sys.stderr.write("laminar_runtime: failed to report init error: %s\n" % post_exc)
        _flush_output()
        return 1

    try:
        while True:
            handle_one(client, handler)
    except (OSError, ProtocolError, RuntimeError) as exc:
        sys.stderr.write("laminar_runtime: Runtime API failure: %r\n" % (exc,))
        _flush_output()
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
